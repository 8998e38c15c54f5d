// Each test app starts DCP and four server processes; on two cores two apps at once slow each other down
// past the point where start-up timeouts are meaningful, so collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
