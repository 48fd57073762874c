// Placeholder until the lead lands the benchmark; only here so the skeleton package resolves.
