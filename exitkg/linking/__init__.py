"""Case records (CTDC, HTCDS) linked to the exit factors, and the mappings they use."""
