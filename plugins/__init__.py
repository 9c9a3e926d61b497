"""Our Pelican plugins and the build that runs them."""
