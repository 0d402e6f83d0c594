"""What every token kind shares: the provider, its endpoints, recovery, adoption, stored state, delivery."""
