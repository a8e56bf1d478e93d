"""TwiML execution: the `twiml` interpreter's commands run on a call leg (verbs, `<Dial>`)."""
