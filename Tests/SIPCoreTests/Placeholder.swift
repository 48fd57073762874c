// Placeholder until the lead lands SIPCore tests; only here so the skeleton package resolves.
import Testing
