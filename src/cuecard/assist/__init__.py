"""assist stage."""
