"""Call queues: `<Enqueue>`, `<Leave>`, `<Dial><Queue>` and the Queue and Member resources."""
