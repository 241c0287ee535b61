// Package httpserver runs subgate's local HTTP server: timeouts that keep slow clients from holding
// it, and a graceful shutdown when the context ends (SIGTERM, SIGINT).
package httpserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts and limits of the server. Chat gives a webhook 2 seconds, so nothing legitimate is slow.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 10 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxHeaderBytes    = 64 << 10
	ShutdownTimeout   = 10 * time.Second
)

// New returns an http.Server for handler with subgate's timeouts and limits.
func New(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Run serves handler on ln until ctx ends, then shuts down gracefully: requests in flight finish,
// new connections are refused.
func Run(ctx context.Context, ln net.Listener, handler http.Handler, logger *slog.Logger) error {
	srv := New(handler)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Site is a handler and the address it is served on.
type Site struct {
	Addr    string
	Handler http.Handler
}

// RunAll listens on every site's address (failing before anything is served if one cannot be
// listened on), then serves each as Run does until ctx ends or one of them fails; each then shuts
// down gracefully. It returns the first error.
func RunAll(ctx context.Context, logger *slog.Logger, sites ...Site) error {
	listeners := make([]net.Listener, 0, len(sites))
	for _, s := range sites {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return err
		}
		listeners = append(listeners, ln)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, len(sites))
	for i, s := range sites {
		go func() { done <- Run(ctx, listeners[i], s.Handler, logger) }()
	}
	var first error
	for range sites {
		if err := <-done; err != nil && first == nil {
			first = err
		}
		stop() // one site ending ends the others
	}
	return first
}
