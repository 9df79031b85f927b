"""Cookies and similar technologies (ePrivacy Art. 5(3)): the inventory and the activities it serves."""
