"""Contact-center metrics, boards, live push, and the TV and supervisor views."""
