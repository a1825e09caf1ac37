"""Multi-department review: tasks per stage, send-back, hand-up and transfer, pauses."""
