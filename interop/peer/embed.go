// Package peer holds the sources of the project's WCF peer program, Peer.cs, which runs
// on Mono's WCF (System.ServiceModel) as the real, independently written counterpart
// that wws is tested against. The Go side that builds and drives it is
// github.com/wwsgo/wws/interop/monopeer.
//
// Build by hand:
//
//	mcs -out:Peer.exe -r:System.ServiceModel.dll -r:System.Runtime.Serialization.dll -r:System.Xml.dll Peer.cs
//	cp Peer.exe.config .   # next to Peer.exe
//
// See the header of Peer.cs for its modes, bindings and output format.
package peer

import "embed"

// Sources holds Peer.cs (and any other *.cs file of the program) and Peer.exe.config,
// the application config that must sit next to Peer.exe.
//
//go:embed *.cs Peer.exe.config
var Sources embed.FS

// ConfigName is the name of the application config file in Sources; it must be copied
// next to the compiled program as Peer.exe.config.
const ConfigName = "Peer.exe.config"
