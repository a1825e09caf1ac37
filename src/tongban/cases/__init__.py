"""The case record (办件): submission, intake (Art. 32), decision and what follows."""
