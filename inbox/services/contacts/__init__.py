"""Contacts: the customers, one record per person across every channel they wrote from.

`records` resolves channel identities to contacts and edits them; `lists` searches and
filters them with the viewer's visibility; `merge` joins two records of one person; `erase`
removes a person's data on request; `attributes` holds the admin-defined custom fields;
`csv_io` imports and exports them; `normalise` puts phones and emails in one form.
Imports no other `inbox.services` module (they import this one): what conversations and
tickets keep of their contact is written here, in `holders`.
"""
