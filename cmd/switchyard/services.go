package main

// The services a configuration can use are registered by the packages
// that implement them: the stats page (`stats uri`) and the Prometheus
// exporter (`http-request use-service prometheus-exporter`) by admin.
// Linking it here makes them known to `-c` as well as to the proxy.
import _ "switchyard/admin"
