package teststore

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Proxy is a loopback TCP proxy in front of a server. It forwards connections as they are, until
// told to stall: then each new connection's request still reaches the server, but only the first
// n bytes of its answer come back, and the rest is held until the connection is closed, as from a
// store that stops answering mid-way. A stalled connection is never answered in full: closing the
// proxy (at the end of the test) closes it. Told to announce a length (Announce), it makes the
// server's answers lie about their size instead.
type Proxy struct {
	// Addr is the proxy's address, 127.0.0.1:PORT.
	Addr string

	target string
	ln     net.Listener

	mu      sync.Mutex
	stallAt int // bytes of an answer forwarded before it stalls; -1 when not stalling
	// announce is the Content-Length each new connection's answer announces; -1 when answers
	// are forwarded as they are.
	announce int64
	conns    map[net.Conn]struct{}
	closed   bool
	done     chan struct{} // closed when the proxy is closed: stalled copies give up
	wg       sync.WaitGroup
}

// NewProxy starts a proxy to target (an address such as Server.Addr) on a free loopback port; it
// is closed when the test ends.
func NewProxy(t TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, stallAt: -1, announce: -1, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Stall makes the connections accepted from now on stall after n bytes of the server's answer
// (0: no byte of it).
func (p *Proxy) Stall(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stallAt = n
}

// Cut closes every connection open now, stalled or not, and goes on accepting new ones: a client's
// kept-alive connections are gone, so its next request opens a new one, which stalls after Stall.
// It is how a test outside the client (a function's process) makes every request stall.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Announce makes the connections accepted from now on carry one answer each, whose
// Content-Length header says n whatever the body's length: the body is forwarded as the server
// sends it, and the connection is closed after it. A client then finds the body cut short (n under
// its length) or the connection closed before the body's end (n over it). An answer without a
// Content-Length (304 Not Modified) is forwarded as it is.
func (p *Proxy) Announce(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.announce = n
}

// Resume makes the connections accepted from now on forward in full, and as they are, again.
func (p *Proxy) Resume() {
	p.Stall(-1)
	p.Announce(-1)
}

// Close stops accepting and closes every connection, stalled ones included, and waits for their
// goroutines to end.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			client.Close()
			server.Close()
			return
		}
		stallAt, announce := p.stallAt, p.announce
		p.conns[client], p.conns[server] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(server, client, -1)
		if announce >= 0 {
			go p.lie(client, server, announce)
			continue
		}
		go p.pipe(client, server, stallAt)
	}
}

// pipe copies from src to dst; with limit ≥ 0 it copies that many bytes and then holds the rest
// until the proxy is closed. Either side ending closes both.
func (p *Proxy) pipe(dst, src net.Conn, limit int) {
	defer p.wg.Done()
	defer func() {
		dst.Close()
		src.Close()
	}()
	if limit < 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	if _, err := io.CopyN(dst, src, int64(limit)); err != nil && !errors.Is(err, io.EOF) {
		return
	}
	<-p.done
}

// lie forwards one answer from src to dst with its Content-Length replaced by announce, then
// closes both.
func (p *Proxy) lie(dst, src net.Conn, announce int64) {
	defer p.wg.Done()
	defer func() {
		dst.Close()
		src.Close()
	}()
	r := bufio.NewReader(src)
	var head bytes.Buffer
	length := int64(-1)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if length, err = strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil {
				return
			}
			line = "Content-Length: " + strconv.FormatInt(announce, 10) + "\r\n"
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	if _, err := dst.Write(head.Bytes()); err != nil || length < 0 {
		return
	}
	_, _ = io.CopyN(dst, r, length)
}
