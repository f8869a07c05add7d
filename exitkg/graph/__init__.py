"""The graphs exitkg queries: the local one (load) and a remote endpoint (connect), one interface."""
