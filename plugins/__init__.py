"""The built-in payment options. Each registers through the same hooks a third party uses."""
