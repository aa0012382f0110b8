"""``python -m mikrobot`` is the ``mikrobot`` command."""

from mikrobot.cli import main

main()
