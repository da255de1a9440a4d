"""cuecard: a private, bring-your-own-key interview copilot.

Audio and transcription stay on the device; only the prompt for an answer goes
to the provider the user chose.
"""

__version__ = "0.1.0"
