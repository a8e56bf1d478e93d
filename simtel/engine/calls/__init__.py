"""Call legs: the Call resource, its lifecycle as a SimPy process, its parties and its audio."""
