// Timing-sensitive tests (reconnects, DNS refresh) on a 2-core machine: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
