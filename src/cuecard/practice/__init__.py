"""Practice: a mock interview on the device, and feedback on each answer.

The questions come from the candidate's own profile (the job description's
skills, the story bank's competencies) and a bundled bank of common questions;
a local voice reads them; the candidate answers out loud into the same session
builder a live call uses; each answer is measured here, on the device (pace,
fillers, pauses, STAR parts, which story it told, numbers said) and ends with
one concrete next step. ``review`` looks back at kept sessions.
"""
