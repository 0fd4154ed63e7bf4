// Peer.cs: the project's own WCF peer, run on Mono, that wws is tested against.
//
// Build:  mcs -out:Peer.exe -r:System.ServiceModel.dll -r:System.Runtime.Serialization.dll -r:System.Xml.dll *.cs
//         (and put Peer.exe.config next to Peer.exe)
//
// Modes:
//   mono Peer.exe serve <binding> <url>
//       Hosts the peer contract (namespace http://wws.test/peer, contract name Echo) and the
//       GettingStarted ICalculator contract (http://Microsoft.ServiceModel.Samples) on <url>.
//       Prints "listening <url>" once open, "CALL <op> ..." per operation, and runs until
//       stdin is closed or a line "quit" arrives; then exits 0.
//   mono Peer.exe call <binding> <url> [ops...]
//       WCF client for the peer contract. ops (default: all, in this order):
//         Echo[=text] EchoUnicode Add[=a,b] Mirror Reverse[=n] Notify[=token]
//         LastNotification[=expected] Fail[=reason]
//       and the pseudo ops Sleep=ms and Close (closes the channel, 2 s timeout: "PASS Close
//       ok" or "FAIL Close <exception>"; a later op opens a new one). One channel (one
//       session) for all calls.
//       Prints "PASS <op> <detail>" or "FAIL <op> <detail>" per call, then
//       "N passed, M failed"; exit status 0 iff all passed.
//   mono Peer.exe calc <binding> <url> [ops...]
//       WCF client for ICalculator: Add Subtract Multiply Divide (optionally Op=n1,n2).
//   mono Peer.exe udp-send <soap.udp url> <text> [count]
//       One-way Notify(text), count times, over Mono's internal soap.udp transport
//       (see PeerUdp.cs).
//   mono Peer.exe bench <binding> <url> <n> [text]
//       Benchmark client: opens one channel (one session), makes 20 Echo(text) warm-up
//       calls, then n Echo calls timed one by one, and prints one line
//         BENCH calls=<n> total_ns=<ns> p50_ns=<ns> p99_ns=<ns> max_ns=<ns>
//       (text defaults to "hello wws"; every reply is checked). With n "-" it prints
//       "ready" after the warm-up and then reads counts from stdin, one a line, printing a
//       BENCH line per count, until "quit" or the end of stdin. A failed call prints
//       "FAIL bench <exception>" and exits 1.
//
// Bindings: nettcp nettcp-text12 basichttp http-soap11 http-soap11-wsa04 http-soap11-wsa10
//           http-soap12 http-soap12-wsa04 http-soap12-wsa10 http-binary wshttp
//
// The net.tcp service runs behind the pass-through layer of Robust.cs (Mono's listener
// wedges after a bad connection otherwise); PEER_PLAIN_TCP=1 turns it off.
//
// Environment: PEER_TRACE=1 makes the service print every incoming and outgoing message;
// PEER_TIMING=1 appends " (<ms>ms)" to every PASS/FAIL line; PEER_OP_TIMEOUT=<seconds>
// (default 30) bounds each client step, since Mono's client does not always honour its
// own timeouts; PEER_QUIET=1 makes the service leave out its "CALL ..." lines (for
// benchmarks, where writing one line per call would be measured too).
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.ServiceModel.Dispatcher;
using System.Text;
using System.Threading;
using System.Xml;

namespace Wws.Interop
{
	// ---- the peer contract -------------------------------------------------------------

	[DataContract(Name = "Composite", Namespace = Peer.Ns)]
	public class Composite
	{
		[DataMember(Order = 1)] public string Text;
		[DataMember(Order = 2)] public int Int32;
		[DataMember(Order = 3)] public long Int64;
		[DataMember(Order = 4)] public double Double;
		[DataMember(Order = 5)] public bool Flag;
		[DataMember(Order = 6)] public DateTime When;
		[DataMember(Order = 7)] public Guid Id;
		[DataMember(Order = 8)] public byte[] Blob;
		[DataMember(Order = 9)] public TimeSpan Span;
		[DataMember(Order = 10)] public decimal Money;
		[DataMember(Order = 11)] public string[] Tags;

		public override string ToString()
		{
			return string.Format(CultureInfo.InvariantCulture,
				"Composite(Text={0},Int32={1},Int64={2},Double={3},Flag={4},When={5},Id={6},Blob={7},Span={8},Money={9},Tags=[{10}])",
				Text, Int32, Int64, Double.ToString("R", CultureInfo.InvariantCulture), Flag,
				When.ToString("o", CultureInfo.InvariantCulture), Id,
				Blob == null ? "null" : BitConverter.ToString(Blob), Span, Money.ToString(CultureInfo.InvariantCulture),
				Tags == null ? "null" : string.Join(",", Tags));
		}
	}

	[ServiceContract(Name = "Echo", Namespace = Peer.Ns)]
	public interface IEcho
	{
		[OperationContract] string Echo(string text);
		[OperationContract] int Add(int a, int b);
		[OperationContract] Composite Mirror(Composite value);
		[OperationContract] byte[] Reverse(byte[] data);
		[OperationContract(IsOneWay = true)] void Notify(string text);
		[OperationContract] string LastNotification();
		[OperationContract] void Fail(string reason);
	}

	// Microsoft's GettingStarted sample contract.
	[ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
	public interface ICalculator
	{
		[OperationContract] double Add(double n1, double n2);
		[OperationContract] double Subtract(double n1, double n2);
		[OperationContract] double Multiply(double n1, double n2);
		[OperationContract] double Divide(double n1, double n2);
	}

	// ---- service -----------------------------------------------------------------------

	// PeerFault is thrown by Fail; it carries what the error handler needs to build the
	// fault message itself (Mono's dispatcher loses Action and RelatesTo otherwise).
	public class PeerFault : Exception
	{
		public readonly UniqueId RelatesTo;
		public PeerFault(string reason, UniqueId relatesTo) : base(reason) { RelatesTo = relatesTo; }
	}

	[ServiceBehavior(InstanceContextMode = InstanceContextMode.Single, ConcurrencyMode = ConcurrencyMode.Multiple,
		AddressFilterMode = AddressFilterMode.Any, IncludeExceptionDetailInFaults = false)]
	public class PeerService : IEcho, ICalculator
	{
		static readonly object gate = new object();
		static string last = "";

		public string Echo(string text)
		{
			Peer.Log("CALL Echo text=" + text);
			return text;
		}

		public int Add(int a, int b)
		{
			Peer.Log("CALL Add a=" + a + " b=" + b);
			return a + b;
		}

		public Composite Mirror(Composite value)
		{
			Peer.Log("CALL Mirror value=" + (value == null ? "null" : value.ToString()));
			return value;
		}

		public byte[] Reverse(byte[] data)
		{
			Peer.Log("CALL Reverse len=" + (data == null ? -1 : data.Length));
			if (data == null)
				return null;
			var r = (byte[])data.Clone();
			Array.Reverse(r);
			return r;
		}

		public void Notify(string text)
		{
			lock (gate)
				last = text ?? "";
			Peer.Log("CALL Notify text=" + text);
		}

		public string LastNotification()
		{
			string v;
			lock (gate)
				v = last;
			Peer.Log("CALL LastNotification -> " + v);
			return v;
		}

		public void Fail(string reason)
		{
			Peer.Log("CALL Fail reason=" + reason);
			throw new PeerFault(reason ?? "", Peer.IncomingMessageId());
		}

		double ICalculator.Add(double n1, double n2) { return Calc("Add", n1, n2, n1 + n2); }
		double ICalculator.Subtract(double n1, double n2) { return Calc("Subtract", n1, n2, n1 - n2); }
		double ICalculator.Multiply(double n1, double n2) { return Calc("Multiply", n1, n2, n1 * n2); }
		double ICalculator.Divide(double n1, double n2) { return Calc("Divide", n1, n2, n1 / n2); }

		static double Calc(string op, double n1, double n2, double r)
		{
			Peer.Log("CALL Calculator." + op + " n1=" + Peer.D(n1) + " n2=" + Peer.D(n2) + " -> " + Peer.D(r));
			return r;
		}
	}

	// PeerBehavior installs the error handler, a match-all address filter (Mono ignores
	// AddressFilterMode.Any) and, with PEER_TRACE=1, a message tracer.
	public class PeerBehavior : IServiceBehavior, IErrorHandler, IDispatchMessageInspector
	{
		public void AddBindingParameters(ServiceDescription d, ServiceHostBase h, Collection<ServiceEndpoint> e, BindingParameterCollection p) { }
		public void Validate(ServiceDescription d, ServiceHostBase h) { }

		public void ApplyDispatchBehavior(ServiceDescription d, ServiceHostBase host)
		{
			foreach (ChannelDispatcherBase cdb in host.ChannelDispatchers) {
				var cd = cdb as ChannelDispatcher;
				if (cd == null)
					continue;
				cd.ErrorHandlers.Add(this);
				foreach (EndpointDispatcher ed in cd.Endpoints) {
					ed.AddressFilter = new RecordingMatchAll();
					ed.DispatchRuntime.MessageInspectors.Add(this);
				}
			}
		}

		static Exception Unwrap(Exception e)
		{
			while ((e is System.Reflection.TargetInvocationException || e is AggregateException) && e.InnerException != null)
				e = e.InnerException;
			return e;
		}

		public bool HandleError(Exception error)
		{
			error = Unwrap(error);
			if (error is PeerFault)
				return true;
			Peer.Log("ERROR " + error.GetType().FullName + ": " + error.Message);
			// false: Mono's dispatcher then asks ProvideFault for a fault and sends it (HTTP);
			// with true it would answer an unknown action with an empty 200.
			return false;
		}

		public void ProvideFault(Exception error, MessageVersion version, ref Message fault)
		{
			FaultCode code;
			string reason;
			UniqueId relatesTo;
			RobustChannel direct = null;
			error = Unwrap(error);
			var pf = error as PeerFault;
			// SOAP 1.2: Code Sender/Receiver with a Subcode. SOAP 1.1 has no subcodes and Mono
			// would write a bare "Sender"; give it a qualified faultcode itself.
			bool soap11 = version.Envelope == EnvelopeVersion.Soap11;
			if (pf != null) {
				code = soap11 ? new FaultCode("PeerFault", Peer.Ns) : FaultCode.CreateSenderFaultCode("PeerFault", Peer.Ns);
				reason = pf.Message;
				relatesTo = pf.RelatesTo;
			} else if (error is ActionNotSupportedException || error is EndpointNotFoundException) {
				// What WCF sends: Sender / a:ActionNotSupported (or a:DestinationUnreachable).
				var sub = error is ActionNotSupportedException ? "ActionNotSupported" : "DestinationUnreachable";
				var ns = version.Addressing == AddressingVersion.WSAddressing10 ? "http://www.w3.org/2005/08/addressing" :
					version.Addressing == AddressingVersion.WSAddressingAugust2004 ? "http://schemas.xmlsoap.org/ws/2004/08/addressing" : Peer.Ns;
				code = soap11 ? new FaultCode(sub, ns) : FaultCode.CreateSenderFaultCode(sub, ns);
				reason = error.Message;
				relatesTo = RobustChannel.CurrentMessageId ?? LastMessageId ?? Peer.IncomingMessageId();
				direct = RobustChannel.Current;
			} else if (error is System.Runtime.Serialization.SerializationException || error is XmlException) {
				// What WCF sends when the formatter cannot read the request.
				const string dispatcherNs = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher";
				code = soap11 ? new FaultCode("DeserializationFailed", dispatcherNs) : FaultCode.CreateSenderFaultCode("DeserializationFailed", dispatcherNs);
				reason = "The formatter threw an exception while trying to deserialize the message: " + error.Message;
				relatesTo = RobustChannel.CurrentMessageId ?? LastMessageId ?? Peer.IncomingMessageId();
				direct = RobustChannel.Current;
			} else {
				code = soap11 ? new FaultCode("Server", Peer.Soap11Ns) : FaultCode.CreateReceiverFaultCode("InternalError", Peer.Ns);
				reason = error.GetType().Name + ": " + error.Message;
				relatesTo = Peer.IncomingMessageId() ?? LastMessageId;
			}
			var mf = MessageFault.CreateFault(code, new FaultReason(new FaultReasonText(reason, "en-US")));
			fault = Message.CreateMessage(version, mf, Peer.FaultAction(version));
			if (relatesTo != null && version.Addressing != AddressingVersion.None)
				fault.Headers.RelatesTo = relatesTo;
			if (Peer.Trace)
				Peer.Log("TRACE fault out:\n" + fault);
			// On net.tcp Mono's dispatcher drops the fault for errors it raises itself (no
			// operation matched); send it on the session channel like WCF does.
			if (direct != null) {
				// Once per received message: Mono may ask twice.
				RobustChannel.Current = null;
				try {
					direct.Send(fault);
				} catch (Exception e) {
					Peer.Log("NOTE sending fault: " + e.Message);
				}
			}
		}

		// LastMessageId is the MessageID of the request this thread is dispatching (set by
		// RecordingMatchAll and AfterReceiveRequest), for faults raised where
		// OperationContext is not available (no operation matched, unreadable body).
		[ThreadStatic] public static UniqueId LastMessageId;

		public object AfterReceiveRequest(ref Message request, IClientChannel channel, InstanceContext ctx)
		{
			try {
				LastMessageId = request.Headers.MessageId;
			} catch (Exception) {
				LastMessageId = null;
			}
			if (!Peer.Trace)
				return null;
			var buf = request.CreateBufferedCopy(int.MaxValue);
			request = buf.CreateMessage();
			Peer.Log("TRACE in:\n" + buf.CreateMessage());
			return null;
		}

		public void BeforeSendReply(ref Message reply, object state)
		{
			LastMessageId = null;
			if (reply == null || !Peer.Trace)
				return;
			var buf = reply.CreateBufferedCopy(int.MaxValue);
			reply = buf.CreateMessage();
			Peer.Log("TRACE out:\n" + buf.CreateMessage());
		}
	}

	// RecordingMatchAll matches every message (Mono ignores AddressFilterMode.Any) and
	// notes its MessageID for the error handler: Mono's dispatcher checks the address
	// filter first, on the thread that then reports a missing operation.
	public class RecordingMatchAll : MessageFilter
	{
		public override bool Match(Message message)
		{
			try {
				PeerBehavior.LastMessageId = message.Headers.MessageId;
			} catch (Exception) {
				PeerBehavior.LastMessageId = null;
			}
			return true;
		}

		public override bool Match(MessageBuffer buffer)
		{
			using (var m = buffer.CreateMessage())
				return Match(m);
		}
	}

	// ---- program -----------------------------------------------------------------------

	public static class Peer
	{
		public const string Ns = "http://wws.test/peer";
		public const string Soap11Ns = "http://schemas.xmlsoap.org/soap/envelope/";
		public static readonly bool Trace = Environment.GetEnvironmentVariable("PEER_TRACE") == "1";
		public static readonly bool Quiet = Environment.GetEnvironmentVariable("PEER_QUIET") == "1";
		static readonly object logGate = new object();

		public static readonly string[] Bindings = {
			"nettcp", "nettcp-text12", "basichttp",
			"http-soap11", "http-soap11-wsa04", "http-soap11-wsa10",
			"http-soap12", "http-soap12-wsa04", "http-soap12-wsa10",
			"http-binary", "wshttp",
		};

		public static void Log(string line)
		{
			if (Quiet && line.StartsWith("CALL ", StringComparison.Ordinal))
				return;
			lock (logGate) {
				Console.Out.WriteLine(line);
				Console.Out.Flush();
			}
		}

		public static string D(double v) { return v.ToString("R", CultureInfo.InvariantCulture); }

		public static UniqueId IncomingMessageId()
		{
			try {
				var oc = OperationContext.Current;
				if (oc != null && oc.IncomingMessageHeaders != null)
					return oc.IncomingMessageHeaders.MessageId;
			} catch (Exception) {
			}
			return null;
		}

		public static string FaultAction(MessageVersion v)
		{
			if (v.Addressing == AddressingVersion.WSAddressingAugust2004)
				return "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault";
			if (v.Addressing == AddressingVersion.WSAddressing10)
				return "http://www.w3.org/2005/08/addressing/soap/fault";
			// Without addressing there is no wsa:Action header to carry it (with an action,
			// Mono would write an Action header in the .../addressing/none namespace).
			return null;
		}

		const int MaxSize = 64 << 20;

		static void Quotas(XmlDictionaryReaderQuotas q)
		{
			q.MaxArrayLength = MaxSize;
			q.MaxStringContentLength = MaxSize;
			q.MaxBytesPerRead = MaxSize;
			q.MaxDepth = 128;
			q.MaxNameTableCharCount = MaxSize;
		}

		static Binding Text(MessageVersion v)
		{
			var enc = new TextMessageEncodingBindingElement(v, new UTF8Encoding(false));
			Quotas(enc.ReaderQuotas);
			return new CustomBinding(enc, Http());
		}

		static HttpTransportBindingElement Http()
		{
			return new HttpTransportBindingElement {
				MaxReceivedMessageSize = MaxSize,
				MaxBufferSize = MaxSize,
				HostNameComparisonMode = HostNameComparisonMode.Exact,
			};
		}

		public static Binding MakeBinding(string name)
		{
			Binding b;
			switch (name) {
			case "nettcp": {
				var t = new NetTcpBinding(SecurityMode.None);
				t.MaxReceivedMessageSize = MaxSize;
				t.MaxBufferSize = MaxSize;
				t.MaxBufferPoolSize = MaxSize;
				Quotas(t.ReaderQuotas);
				b = t;
				break;
			}
			case "nettcp-text12": {
				var enc = new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, new UTF8Encoding(false));
				Quotas(enc.ReaderQuotas);
				var tcp = new TcpTransportBindingElement { MaxReceivedMessageSize = MaxSize, MaxBufferSize = MaxSize };
				b = new CustomBinding(enc, tcp);
				break;
			}
			case "basichttp": {
				var h = new BasicHttpBinding();
				h.MaxReceivedMessageSize = MaxSize;
				h.MaxBufferSize = MaxSize;
				h.HostNameComparisonMode = HostNameComparisonMode.Exact;
				Quotas(h.ReaderQuotas);
				b = h;
				break;
			}
			case "http-soap11": b = Text(MessageVersion.Soap11); break;
			case "http-soap11-wsa04": b = Text(MessageVersion.Soap11WSAddressingAugust2004); break;
			case "http-soap11-wsa10": b = Text(MessageVersion.Soap11WSAddressing10); break;
			case "http-soap12": b = Text(MessageVersion.Soap12); break;
			case "http-soap12-wsa04": b = Text(MessageVersion.Soap12WSAddressingAugust2004); break;
			case "http-soap12-wsa10": b = Text(MessageVersion.Soap12WSAddressing10); break;
			case "http-binary": {
				var enc = new BinaryMessageEncodingBindingElement();
				Quotas(enc.ReaderQuotas);
				b = new CustomBinding(enc, Http());
				break;
			}
			case "wshttp": {
				var w = new WSHttpBinding(SecurityMode.None);
				w.MaxReceivedMessageSize = MaxSize;
				w.HostNameComparisonMode = HostNameComparisonMode.Exact;
				Quotas(w.ReaderQuotas);
				b = w;
				break;
			}
			default:
				throw new ArgumentException("unknown binding " + name + " (one of: " + string.Join(" ", Bindings) + ")");
			}
			b.OpenTimeout = TimeSpan.FromSeconds(10);
			b.CloseTimeout = TimeSpan.FromSeconds(5);
			b.SendTimeout = TimeSpan.FromSeconds(20);
			b.ReceiveTimeout = TimeSpan.FromSeconds(20);
			return b;
		}

		static int Usage()
		{
			Console.Error.WriteLine("usage: mono Peer.exe serve|call|calc <binding> <url> [ops...]");
			Console.Error.WriteLine("       mono Peer.exe udp-send <soap.udp url> <text> [count]");
			Console.Error.WriteLine("       mono Peer.exe bench <binding> <url> <n>|- [text]");
			Console.Error.WriteLine("bindings: " + string.Join(" ", Bindings));
			return 2;
		}

		public static int Main(string[] args)
		{
			var utf8 = new UTF8Encoding(false);
			Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = true });
			Console.SetError(new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true });
			Thread.CurrentThread.CurrentCulture = CultureInfo.InvariantCulture;
			CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
			if (args.Length < 3)
				return Usage();
			int rc;
			try {
				var ops = args.Skip(3).ToArray();
				switch (args[0]) {
				case "serve": rc = Serve(args[1], args[2]); break;
				case "call": rc = new EchoClient(args[1], args[2]).Run(ops); break;
				case "calc": rc = new CalcClient(args[1], args[2]).Run(ops); break;
				case "udp-send": rc = UdpSender.Run(args[1], args[2], args.Length > 3 ? args[3] : null); break;
				case "bench": rc = args.Length < 4 ? Usage() : BenchClient.Run(args[1], args[2], args[3], args.Length > 4 ? args[4] : null); break;
				default: rc = Usage(); break;
				}
			} catch (Exception e) {
				Console.Error.WriteLine("peer: " + e);
				rc = 3;
			}
			Console.Out.Flush();
			Console.Error.Flush();
			// Mono's WCF leaves foreground threads behind; do not wait for them.
			Environment.Exit(rc);
			return rc;
		}

		static int Serve(string binding, string url)
		{
			var host = new ServiceHost(new PeerService(), new Uri(url));
			var b = MakeBinding(binding);
			// Sessions idle for a long time are fine for a test peer.
			b.ReceiveTimeout = TimeSpan.FromMinutes(10);
			// Mono's net.tcp listener wedges after a bad connection; see Robust.cs.
			if (binding.StartsWith("nettcp", StringComparison.Ordinal) && Environment.GetEnvironmentVariable("PEER_PLAIN_TCP") != "1")
				b = RobustAcceptBindingElement.Wrap(b);
			host.AddServiceEndpoint(typeof(IEcho), b, url);
			host.AddServiceEndpoint(typeof(ICalculator), b, url);
			var sdb = host.Description.Behaviors.Find<ServiceDebugBehavior>();
			if (sdb != null) {
				sdb.HttpHelpPageEnabled = false;
				sdb.HttpsHelpPageEnabled = false;
			}
			host.Description.Behaviors.Add(new PeerBehavior());
			// Sessions a client abandoned count against the throttle until Mono notices.
			var throttle = host.Description.Behaviors.Find<ServiceThrottlingBehavior>();
			if (throttle == null) {
				throttle = new ServiceThrottlingBehavior();
				host.Description.Behaviors.Add(throttle);
			}
			throttle.MaxConcurrentCalls = 1000;
			throttle.MaxConcurrentSessions = 1000;
			throttle.MaxConcurrentInstances = 1000;
			host.Open(TimeSpan.FromSeconds(20));
			Log("listening " + url);

			var done = new ManualResetEvent(false);
			var stdin = new Thread(() => {
				try {
					var r = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
					string line;
					while ((line = r.ReadLine()) != null)
						if (line.Trim() == "quit")
							break;
				} catch (Exception) {
				}
				done.Set();
			});
			stdin.IsBackground = true;
			stdin.Start();
			done.WaitOne();

			Log("closing");
			try {
				host.Close(TimeSpan.FromSeconds(2));
			} catch (Exception) {
				host.Abort();
			}
			Log("closed");
			return 0;
		}
	}

	// ---- clients -----------------------------------------------------------------------

	public abstract class PeerClient<T> where T : class
	{
		protected readonly string binding, url;
		readonly ChannelFactory<T> factory;
		protected T ch;
		int passed, failed;

		protected PeerClient(string binding, string url)
		{
			this.binding = binding;
			this.url = url;
			factory = new ChannelFactory<T>(Peer.MakeBinding(binding), new EndpointAddress(url));
		}

		static readonly bool timing = Environment.GetEnvironmentVariable("PEER_TIMING") == "1";
		readonly System.Diagnostics.Stopwatch clock = new System.Diagnostics.Stopwatch();

		string Timing()
		{
			return timing ? " (" + clock.ElapsedMilliseconds + "ms)" : "";
		}

		protected void Pass(string op, string detail)
		{
			passed++;
			Peer.Log("PASS " + op + " " + detail + Timing());
		}

		protected void Fail(string op, string detail)
		{
			failed++;
			Peer.Log("FAIL " + op + " " + detail + Timing());
		}

		protected abstract string[] DefaultOps { get; }
		protected abstract void Do(string op, string arg);

		// OpTimeout bounds every step of a client run (PEER_OP_TIMEOUT=<seconds> changes it).
		static readonly TimeSpan OpTimeout = TimeSpan.FromSeconds(
			int.Parse(Environment.GetEnvironmentVariable("PEER_OP_TIMEOUT") ?? "30", CultureInfo.InvariantCulture));

		public int Run(string[] ops)
		{
			if (ops.Length == 0)
				ops = DefaultOps;
			try {
				foreach (var spec in ops) {
					var i = spec.IndexOf('=');
					var op = i < 0 ? spec : spec.Substring(0, i);
					var arg = i < 0 ? null : spec.Substring(i + 1);
					if (op == "Sleep") {
						Thread.Sleep(int.Parse(arg ?? "1000", CultureInfo.InvariantCulture));
						continue;
					}
					if (op == "Close") {
						clock.Restart();
						using (Watch(op, OpTimeout))
							CloseChannel();
						continue;
					}
					clock.Restart();
					using (Watch(op, OpTimeout))
						Step(op, arg);
				}
			} finally {
				// Mono's duplex-session Close may never complete: short timeout, then Abort.
				using (Watch(null, TimeSpan.FromSeconds(10))) {
					if (ch != null) {
						try {
							((ICommunicationObject)ch).Close(TimeSpan.FromSeconds(2));
						} catch (Exception) {
							((ICommunicationObject)ch).Abort();
						}
					}
					try {
						factory.Close(TimeSpan.FromSeconds(2));
					} catch (Exception) {
						factory.Abort();
					}
				}
			}
			return Finish();
		}

		// CloseChannel closes the channel of the calls so far and reports how that went.
		void CloseChannel()
		{
			if (ch == null) {
				Fail("Close", "no channel");
				return;
			}
			var co = (ICommunicationObject)ch;
			ch = null;
			try {
				co.Close(TimeSpan.FromSeconds(2));
				Pass("Close", "ok");
			} catch (Exception e) {
				Fail("Close", Describe(e));
				co.Abort();
			}
		}

		readonly object finishGate = new object();
		bool finished;

		int Finish()
		{
			lock (finishGate) {
				if (!finished) {
					finished = true;
					Peer.Log(passed + " passed, " + failed + " failed");
				}
			}
			return failed == 0 && passed > 0 ? 0 : 1;
		}

		// Watch guards one step: Mono's client does not always honour its own timeouts (a
		// net.tcp service that never acks the preamble hangs Open forever), so when a step
		// outlives its bound it is reported as failed and the process exits.
		IDisposable Watch(string op, TimeSpan bound)
		{
			return new Timer(_ => {
				lock (finishGate) {
					if (finished)
						return;
					if (op != null)
						Fail(op, "no result within " + bound.TotalSeconds + "s (hung: Mono ignored its own timeout)");
					else
						Peer.Log("NOTE closing the channel hung; exiting anyway");
				}
				Environment.Exit(Finish());
			}, null, bound, TimeSpan.FromMilliseconds(-1));
		}

		void Step(string op, string arg)
		{
			if (ch == null || ((ICommunicationObject)ch).State == CommunicationState.Faulted) {
				if (ch != null) {
					Peer.Log("NOTE channel faulted; opening a new one");
					((ICommunicationObject)ch).Abort();
				}
				try {
					// Mono's net.tcp CreateChannel already connects.
					ch = factory.CreateChannel();
					((ICommunicationObject)ch).Open();
				} catch (Exception e) {
					Fail(op, "open: " + Describe(e));
					if (ch != null)
						((ICommunicationObject)ch).Abort();
					ch = null;
					return;
				}
			}
			try {
				Do(op, arg);
			} catch (Exception e) {
				Fail(op, Describe(e));
			}
		}

		public static string Describe(Exception e)
		{
			var fe = e as FaultException;
			if (fe != null)
				return "FaultException " + DescribeFault(fe);
			var s = e.GetType().Name + ": " + e.Message;
			if (e.InnerException != null)
				s += " <- " + e.InnerException.GetType().Name + ": " + e.InnerException.Message;
			return s.Replace("\r", " ").Replace("\n", " ");
		}

		public static string DescribeFault(FaultException fe)
		{
			string reason;
			try {
				reason = fe.Reason.GetMatchingTranslation().Text;
			} catch (Exception) {
				reason = fe.Message;
			}
			var code = fe.Code == null ? "-" : fe.Code.Name;
			var sub = fe.Code == null || fe.Code.SubCode == null ? "-" : fe.Code.SubCode.Name;
			return "code=" + code + " subcode=" + sub + " reason=" + reason;
		}
	}

	public class EchoClient : PeerClient<IEcho>
	{
		string sentToken;

		public EchoClient(string binding, string url) : base(binding, url) { }

		protected override string[] DefaultOps {
			get { return new[] { "Echo", "EchoUnicode", "Add", "Mirror", "Reverse", "Notify", "LastNotification", "Fail" }; }
		}

		public static Composite Sample()
		{
			return new Composite {
				Text = "héllo <wws> & été",
				Int32 = -123456,
				Int64 = 1234567890123,
				Double = 3.5,
				Flag = true,
				When = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc),
				Id = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
				Blob = new byte[] { 0, 1, 2, 0xFE, 0xFF },
				Span = TimeSpan.FromSeconds(90),
				Money = 12.34m,
				Tags = new[] { "a", "b" },
			};
		}

		static string Diff(Composite a, Composite b)
		{
			if (b == null) return "null result";
			var d = new List<string>();
			if (a.Text != b.Text) d.Add("Text");
			if (a.Int32 != b.Int32) d.Add("Int32");
			if (a.Int64 != b.Int64) d.Add("Int64");
			if (!a.Double.Equals(b.Double)) d.Add("Double");
			if (a.Flag != b.Flag) d.Add("Flag");
			if (a.When != b.When || a.When.Kind != b.When.Kind) d.Add("When");
			if (a.Id != b.Id) d.Add("Id");
			if (a.Blob == null ? b.Blob != null : b.Blob == null || !a.Blob.SequenceEqual(b.Blob)) d.Add("Blob");
			if (a.Span != b.Span) d.Add("Span");
			if (a.Money != b.Money) d.Add("Money");
			if (a.Tags == null ? b.Tags != null : b.Tags == null || !a.Tags.SequenceEqual(b.Tags)) d.Add("Tags");
			return d.Count == 0 ? null : "differs in " + string.Join(",", d) + ": got " + b;
		}

		void Check(string op, bool ok, string detail)
		{
			if (ok)
				Pass(op, detail);
			else
				Fail(op, detail);
		}

		protected override void Do(string op, string arg)
		{
			switch (op) {
			case "Echo":
			case "EchoUnicode": {
				var text = arg ?? (op == "Echo" ? "hello wws" : "日本語 é 😀 <&>");
				var got = ch.Echo(text);
				Check(op, got == text, op == "EchoUnicode" && got == text ? "ok" : got);
				break;
			}
			case "Add": {
				int a = 40, b = 2;
				if (arg != null) {
					var p = arg.Split(',');
					a = int.Parse(p[0], CultureInfo.InvariantCulture);
					b = int.Parse(p[1], CultureInfo.InvariantCulture);
				}
				var got = ch.Add(a, b);
				Check(op, got == a + b, got.ToString(CultureInfo.InvariantCulture));
				break;
			}
			case "Mirror": {
				var want = Sample();
				var diff = Diff(want, ch.Mirror(want));
				Check(op, diff == null, diff ?? "ok");
				break;
			}
			case "Reverse": {
				var n = arg == null ? 300 : int.Parse(arg, CultureInfo.InvariantCulture);
				var data = new byte[n];
				for (var i = 0; i < n; i++)
					data[i] = (byte)i;
				var got = ch.Reverse(data);
				var want = (byte[])data.Clone();
				Array.Reverse(want);
				Check(op, got != null && got.SequenceEqual(want), got == null ? "null" : got.Length + " bytes");
				break;
			}
			case "Notify": {
				sentToken = arg ?? "note-" + Guid.NewGuid().ToString("N").Substring(0, 8);
				ch.Notify(sentToken);
				Pass(op, sentToken);
				break;
			}
			case "LastNotification": {
				var want = arg ?? sentToken;
				// A one-way message may be dispatched after the next request (HTTP: another
				// connection); give it a moment.
				var got = ch.LastNotification();
				for (var i = 0; want != null && got != want && i < 20; i++) {
					Thread.Sleep(100);
					got = ch.LastNotification();
				}
				Check(op, want == null || got == want, got);
				break;
			}
			case "Fail": {
				var reason = arg ?? "boom";
				try {
					ch.Fail(reason);
					Fail(op, "no fault");
				} catch (FaultException fe) {
					var d = PeerClient<IEcho>.DescribeFault(fe);
					Check(op, d.EndsWith(" reason=" + reason, StringComparison.Ordinal), "FaultException " + d);
				}
				break;
			}
			default:
				Fail(op, "unknown op");
				break;
			}
		}
	}

	// BenchClient is the bench mode: Echo calls on one channel, each one timed.
	public static class BenchClient
	{
		const int Warmup = 20;

		public static int Run(string binding, string url, string count, string text)
		{
			text = text ?? "hello wws";
			var factory = new ChannelFactory<IEcho>(Peer.MakeBinding(binding), new EndpointAddress(url));
			IEcho ch = null;
			var rc = 0;
			try {
				ch = factory.CreateChannel();
				((ICommunicationObject)ch).Open();
				for (var i = 0; i < Warmup; i++)
					Call(ch, text);
				if (count != "-") {
					Measure(ch, text, int.Parse(count, CultureInfo.InvariantCulture));
				} else {
					Peer.Log("ready");
					var r = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
					string line;
					while ((line = r.ReadLine()) != null) {
						line = line.Trim();
						if (line == "quit")
							break;
						if (line.Length > 0)
							Measure(ch, text, int.Parse(line, CultureInfo.InvariantCulture));
					}
				}
			} catch (Exception e) {
				Peer.Log("FAIL bench " + PeerClient<IEcho>.Describe(e));
				rc = 1;
			}
			// As in PeerClient.Run: Mono's duplex-session Close may never complete.
			using (new Timer(_ => {
				Peer.Log("NOTE closing the channel hung; exiting anyway");
				Environment.Exit(rc);
			}, null, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(-1))) {
				if (ch != null) {
					try {
						((ICommunicationObject)ch).Close(TimeSpan.FromSeconds(2));
					} catch (Exception) {
						((ICommunicationObject)ch).Abort();
					}
				}
				try {
					factory.Close(TimeSpan.FromSeconds(2));
				} catch (Exception) {
					factory.Abort();
				}
			}
			return rc;
		}

		static void Call(IEcho ch, string text)
		{
			var got = ch.Echo(text);
			if (got != text)
				throw new InvalidOperationException("Echo returned " + (got == null ? "null" : got.Length + " chars") + ", want " + text.Length);
		}

		// Measure makes n calls and prints their BENCH line.
		static void Measure(IEcho ch, string text, int n)
		{
			if (n < 1)
				throw new ArgumentException("bench: count " + n);
			var d = new long[n];
			var start = System.Diagnostics.Stopwatch.GetTimestamp();
			var prev = start;
			for (var i = 0; i < n; i++) {
				Call(ch, text);
				var now = System.Diagnostics.Stopwatch.GetTimestamp();
				d[i] = now - prev;
				prev = now;
			}
			Array.Sort(d);
			Peer.Log(string.Format(CultureInfo.InvariantCulture, "BENCH calls={0} total_ns={1} p50_ns={2} p99_ns={3} max_ns={4}",
				n, Ns(prev - start), Ns(d[(n - 1) * 50 / 100]), Ns(d[(int)((n - 1) * 99L / 100)]), Ns(d[n - 1])));
		}

		static long Ns(long ticks)
		{
			return (long)(ticks * (1e9 / System.Diagnostics.Stopwatch.Frequency));
		}
	}

	public class CalcClient : PeerClient<ICalculator>
	{
		public CalcClient(string binding, string url) : base(binding, url) { }

		protected override string[] DefaultOps {
			get { return new[] { "Add", "Subtract", "Multiply", "Divide" }; }
		}

		protected override void Do(string op, string arg)
		{
			double n1, n2;
			switch (op) {
			case "Add": n1 = 100; n2 = 15.99; break;
			case "Subtract": n1 = 145; n2 = 76.54; break;
			case "Multiply": n1 = 9; n2 = 81.25; break;
			case "Divide": n1 = 22; n2 = 7; break;
			default: Fail(op, "unknown op"); return;
			}
			if (arg != null) {
				var p = arg.Split(',');
				n1 = double.Parse(p[0], CultureInfo.InvariantCulture);
				n2 = double.Parse(p[1], CultureInfo.InvariantCulture);
			}
			double got, want;
			switch (op) {
			case "Add": got = ch.Add(n1, n2); want = n1 + n2; break;
			case "Subtract": got = ch.Subtract(n1, n2); want = n1 - n2; break;
			case "Multiply": got = ch.Multiply(n1, n2); want = n1 * n2; break;
			default: got = ch.Divide(n1, n2); want = n1 / n2; break;
			}
			var detail = op + "(" + Peer.D(n1) + "," + Peer.D(n2) + ")=" + Peer.D(got);
			if (Math.Abs(got - want) <= 1e-9 || got.Equals(want))
				Pass(op, detail);
			else
				Fail(op, detail + " want " + Peer.D(want));
		}
	}
}
