# Sources of this part are listed here as they land.
