"""The demo register: the Techem Danmark and Techem Norge privacy policies, flaws included."""
