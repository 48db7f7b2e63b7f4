"""Custom contact attributes defined by admins (text, number, date, select), some shown on
the inbox's contact card."""

from __future__ import annotations

from inbox.custom_fields import FieldDefinitions

definitions = FieldDefinitions("contact_attributes", "attributes")
