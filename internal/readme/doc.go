// Package readme holds the test that keeps README.md honest: it runs every
// command of the README's sh code blocks on loopback and checks what they
// print against the text blocks that follow them. It has no code of its own.
package readme
