"""ipgrs plugins, loaded through the `ipgrs.plugins` entry point group."""
