"""What every layer uses: the one error type, scrubbing, the clock, config keys, serving threads."""
