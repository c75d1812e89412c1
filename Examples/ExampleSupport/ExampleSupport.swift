// Shared command-line support for the example executables.
