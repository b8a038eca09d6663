"""The app's modal screens: one module each."""
