"""The HTTP side of the API process, one role per module; tongban.app assembles them."""
