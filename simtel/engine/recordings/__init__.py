"""Recordings: the resource, its lifecycle, callbacks, media, encryption and transcriptions."""
