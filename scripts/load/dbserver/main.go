// Command dbserver runs the portal's database engine (FerretDB 1.24 with SQLite, set up
// exactly as the portal embeds it: embedded.Start) in a process of its own, so a load
// test can stop the database without stopping the portal:
//
//	go run ./scripts/load/dbserver -dir out/load/db     # serves mongodb://<dir>/mongodb.sock
//	MONGODB_URI='mongodb://%2F…%2Fmongodb.sock' go run ./cmd/portal
//
// It prints the connection string and serves until SIGINT or SIGTERM. The outage program
// (scripts/load/outage) starts, kills and restarts it.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/pdpa-portal/store/embedded"
)

func main() {
	dir := flag.String("dir", "out/load/db", "data directory (SQLite files and the socket)")
	flag.Parse()
	eng, err := embedded.Start(*dir, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbserver:", err)
		os.Exit(1)
	}
	fmt.Println("Database serving at", eng.URI())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	eng.Close()
}
