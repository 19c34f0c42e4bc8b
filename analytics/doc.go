// Package analytics counts page views, visitors, visits and time online for the
// webmaster's report, in aggregate only. What the notice promises holds by construction:
// a visit's state lives in the visitor's own cookie, the server keeps only counters per
// day, and distinct visitors and networks are counted with keyed HyperLogLog sketches, so
// no visitor id, IP address or user-agent string is ever stored. The report hides every
// figure below k, and a second figure where a total would otherwise give the first away.
package analytics
