"""Conferences: rooms, participants, their audio, status callbacks and the room's recording."""
