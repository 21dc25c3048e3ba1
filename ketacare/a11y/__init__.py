"""Accessibility (docs/accessibility.md): the template tag behind the "Error:" title prefix and the
pages for integrators and the accessibility statement."""
