"""Lucine Chatbot: the customer-support system of Lucine di Natale di Leggiuno."""

__version__ = "1.0.0"
