// PeerUdp.cs: the peer's SOAP-over-UDP client mode, over Mono's soap.udp transport.
//
//   mono Peer.exe udp-send <soap.udp url> <text> [count]
//       Sends the one-way message Notify(text) count times (default 1) over Mono's
//       internal System.ServiceModel.Discovery.Udp.UdpTransportBindingElement (Mono has
//       no public UDP binding; the element is created by reflection) with
//       TextMessageEncoding(Soap12WSAddressing10, UTF-8 without BOM): contract name
//       "Notify", namespace http://wws.test/peer, so the action is
//       http://wws.test/peer/Notify/Notify, as in shared/vectors/mono/udp-oneway.
//       Mono transmits every message 3 times with one MessageID. Prints
//       "PASS Notify sent text=<text> n=<i>" per message (or FAIL ...), then
//       "N passed, M failed"; exit status 0 iff all were sent.
using System;
using System.Globalization;
using System.Reflection;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Threading;

namespace Wws.Interop
{
	[ServiceContract(Name = "Notify", Namespace = Peer.Ns)]
	public interface INotifyOneWay
	{
		[OperationContract(IsOneWay = true)] void Notify(string text);
	}

	public static class UdpSender
	{
		const string DiscoveryAssembly = "System.ServiceModel.Discovery, Version=4.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35";
		const string TransportType = "System.ServiceModel.Discovery.Udp.UdpTransportBindingElement";

		// MakeBinding builds Text(Soap12WSAddressing10) over Mono's internal UDP transport.
		public static Binding MakeBinding()
		{
			var asm = Assembly.Load(DiscoveryAssembly);
			var t = asm.GetType(TransportType, true);
			var udp = (BindingElement)Activator.CreateInstance(t, true);
			var enc = new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, new UTF8Encoding(false));
			var b = new CustomBinding(enc, udp);
			b.OpenTimeout = TimeSpan.FromSeconds(10);
			b.CloseTimeout = TimeSpan.FromSeconds(5);
			b.SendTimeout = TimeSpan.FromSeconds(10);
			return b;
		}

		public static int Run(string url, string text, string countArg)
		{
			int count = countArg == null ? 1 : int.Parse(countArg, CultureInfo.InvariantCulture);
			int passed = 0, failed = 0;
			// Mono's client does not always honour its timeouts: bound the whole run.
			var watchdog = new Timer(_ => {
				Peer.Log("FAIL Notify no result within 30s");
				Peer.Log(passed + " passed, " + (failed + 1) + " failed");
				Environment.Exit(1);
			}, null, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(-1));
			ChannelFactory<INotifyOneWay> factory = null;
			INotifyOneWay ch = null;
			try {
				factory = new ChannelFactory<INotifyOneWay>(MakeBinding(), new EndpointAddress(url));
				ch = factory.CreateChannel();
				((ICommunicationObject)ch).Open();
				for (int i = 1; i <= count; i++) {
					try {
						ch.Notify(text);
						passed++;
						Peer.Log("PASS Notify sent text=" + text + " n=" + i);
					} catch (Exception e) {
						failed++;
						Peer.Log("FAIL Notify " + PeerClient<INotifyOneWay>.Describe(e));
					}
				}
			} catch (Exception e) {
				failed++;
				Peer.Log("FAIL Notify open: " + PeerClient<INotifyOneWay>.Describe(e));
			} finally {
				if (ch != null) {
					try {
						((ICommunicationObject)ch).Close(TimeSpan.FromSeconds(2));
					} catch (Exception) {
						((ICommunicationObject)ch).Abort();
					}
				}
				if (factory != null) {
					try {
						factory.Close(TimeSpan.FromSeconds(2));
					} catch (Exception) {
						factory.Abort();
					}
				}
			}
			watchdog.Dispose();
			Peer.Log(passed + " passed, " + failed + " failed");
			return failed == 0 && passed > 0 ? 0 : 1;
		}
	}
}
