// The seeded generator moved to OrchRandom (OrchSegments needs it without
// the sample data); the generators here hand it to their callers, so their
// users keep reaching it through this module.
@_exported import OrchRandom
