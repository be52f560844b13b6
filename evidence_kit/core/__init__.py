"""Pure-Python core of Evidence Kit. Nothing here may import Qt."""
