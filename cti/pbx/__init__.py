"""The PBX sandbox: Debian sid's Asterisk 22 in a chroot on loopback, with our configuration."""
