// The Autoencoder module. Its concepts live one per file in the folders beside this one.
