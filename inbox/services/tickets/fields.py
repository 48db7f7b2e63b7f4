"""Custom ticket fields defined by admins (text, number, date, select) and their checking."""

from __future__ import annotations

from inbox.custom_fields import FieldDefinitions

definitions = FieldDefinitions("ticket_fields", "custom")
create = definitions.create
list_all = definitions.list_all
delete = definitions.delete
clean = definitions.clean
