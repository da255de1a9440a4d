"""dialogue stage."""
