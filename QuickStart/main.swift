// Placeholder until the lead lands the CLI; only here so the skeleton package resolves.
