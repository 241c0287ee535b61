// Command http runs subgate as a plain HTTP server: for local use (make run), containers, and SCF
// Web Functions. POST on any path is the webhook; GET /healthz answers 200. The environment
// configures it; -version prints the version and exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/subgate/subgate/internal/version"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpserver"
)

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Line())
		return
	}
	g := gate.FromEnv(os.Getenv, os.Stdout)
	if err := g.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "subgate:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", g.Config().Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "subgate:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := httpserver.Run(ctx, ln, g, g.Logger()); err != nil {
		fmt.Fprintln(os.Stderr, "subgate:", err)
		os.Exit(1)
	}
}
