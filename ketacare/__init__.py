"""KetaCare: clinical system for ketamine-assisted treatment of substance use disorders.

The pure core (pharmacology, instruments, rules, analytics) imports no Django; the Django apps
(accounts, patients, audit, ...) build the clinical record on top of it.
"""

__version__ = "0.1.0"
