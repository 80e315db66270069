#!/bin/sh
# Runs one GTest binary in TAP mode for automake's tap-driver.
exec "$@" --tap -k
