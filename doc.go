// Package wws is the channel model of the Windows Web Services API
// (WWSAPI, webservices.h) in Go: SOAP message channels with explicit
// states, listeners, and an abort that cancels every pending operation at
// once, over the wire protocols WCF and WWSAPI speak — net.tcp ([MC-NMF]
// framing with .NET Binary XML), SOAP 1.1 and 1.2 over HTTP and HTTPS,
// SOAP over UDP, and net.pipe (over Unix domain sockets) — so that a Go
// program can call WCF services and serve WCF clients on any OS.
//
// # Types
//
// The types map one to one onto WWSAPI's handles: [Channel] is
// WS_CHANNEL, [Listener] is WS_LISTENER, [Message] is WS_MESSAGE and
// [Error] is WS_ERROR. Every WWSAPI channel and listener function is a
// method (WsOpenChannel is [Channel.Open], WsAbortChannel is
// [Channel.Abort], WsRequestReply is [Channel.Request]); docs/wwsapi-map.md
// in the repository lists them all. Enums, property ids and HRESULTs keep
// WWSAPI's numeric values, so logs and documentation line up.
//
// # Calling a service
//
// [Dial] creates a channel and opens it; the URL's scheme picks the binding
// and channel type: net.tcp a TCP duplex session, net.pipe a named-pipe
// duplex session, http and https an HTTP request channel, soap.udp a UDP
// duplex channel. A request is a message with an action and a body:
//
//	ch, err := wws.Dial(ctx, "net.tcp://127.0.0.1:8808/")
//	if err != nil {
//		return err // e.g. WS_E_ENDPOINT_NOT_FOUND: nothing listens there
//	}
//	defer ch.Close(ctx)
//	req := ch.NewMessage()
//	req.SetAction("http://Microsoft.ServiceModel.Samples/ICalculator/Add")
//	req.SetBodyXML([]byte(`<Add xmlns="http://Microsoft.ServiceModel.Samples"><n1>1</n1><n2>2</n2></Add>`))
//	reply, err := ch.Request(ctx, req) // a SOAP fault: WS_E_ENDPOINT_FAULT_RECEIVED
//	...
//	body, err := reply.BodyXML() // <AddResponse ...><AddResult>3</AddResult></AddResponse>
//
// The defaults speak what WCF's bindings with SecurityMode.None speak:
// binary XML with session dictionaries, SOAP 1.2 and WS-Addressing 1.0 on
// net.tcp (NetTcpBinding); text, SOAP 1.2 and WS-Addressing 1.0 over HTTP
// (WSHttpBinding). Channel properties change them:
// [ChannelPropertyEncoding], [ChannelPropertyEnvelopeVersion] and
// [ChannelPropertyAddressingVersion] (SOAP 1.1 without addressing is
// BasicHttpBinding).
//
// # Serving
//
// [Listen] opens a listener; [Listener.AcceptChannel] waits for a client
// and returns its channel, open. A service receives requests and answers
// them with [Channel.Reply], or with a SOAP fault ([Channel.SendFault]);
// the Example shows a whole service. For HTTP, a listener can also be
// mounted in a program's own net/http server ([Listener.OpenHandler],
// [Listener.ServeHTTP]).
//
// # States and abort
//
// A channel is always in one of WWSAPI's states (Created, Opening,
// Accepting, Open, Faulted, Closing, Closed; [ChannelState]) and moves as
// WWSAPI's channels move. [Channel.Abort] may be called in any state, from
// any goroutine, any number of times: it never waits for I/O, every
// operation pending on the channel returns WS_E_OPERATION_ABORTED at once,
// and an open channel becomes Faulted. WWSAPI's exceptions (no abort of
// UDP and HTTP channels in some states) do not exist here.
//
// Every blocking call takes a [context.Context]: cancelling it aborts that
// call (WS_E_OPERATION_ABORTED), its deadline bounds it
// (WS_E_OPERATION_TIMED_OUT), as the timeout properties
// ([ChannelPropertySendTimeout], [ChannelPropertyReceiveTimeout], …) do.
//
// # Errors
//
// Every error the package returns is an [*Error] carrying WWSAPI's HRESULT
// ([HResult] gives it for any error), the error strings, the SOAP fault
// received if any, and the Go cause. errors.Is matches on codes through the
// sentinels ([ErrAborted], [ErrTimedOut], [ErrFaultReceived], …), and the
// end of a session is io.EOF (WS_S_END) from [Channel.Receive]. A method
// called on a nil *Channel, *Listener or *Message returns E_INVALIDARG, as
// WWSAPI does for a NULL handle.
//
// # Packages
//
// The wire codecs are usable on their own: xmlnode (the node model),
// xmltext (text XML), nbfx (.NET Binary XML, [MC-NBFX], [MC-NBFS],
// [MC-NBFSE]), nmf ([MC-NMF] framing records) and soap (envelopes,
// WS-Addressing, faults). The bindings live under transport: tcp, pipe,
// soaphttp and udp; transport/mem is an in-memory transport that shows how
// a custom binding ([BindingCustom], [CustomTransport]) is written.
//
// What is not there: MTOM, streamed transfer and raw HTTP bodies
// (E_NOTIMPL), message security (WS-Security), Windows (SSPI/Negotiate)
// transport security on net.tcp, and HTTP authentication.
package wws
