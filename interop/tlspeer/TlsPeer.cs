// TlsPeer.cs: Mono's WCF NetTcpBinding with SecurityMode.Transport (the [MC-NMF]
// application/ssl-tls upgrade in WCF), ClientCredentialType None, hosting or calling the
// GettingStarted ICalculator. The interop tests in ../tls_test.go build and run it.
//
// Build:  mcs -out:TlsPeer.exe -r:System.ServiceModel.dll -r:System.Runtime.Serialization.dll
//             -r:Mono.Security.dll TlsPeer.cs
//
// Modes:
//   mono TlsPeer.exe serve <url> <cert.der> <key.xml>
//       Hosts ICalculator on <url> with the service certificate <cert.der> (DER) and its
//       RSA private key <key.xml> (RSAKeyValue XML, as RSA.ToXmlString writes it). Prints
//       "listening <url>", "CALL Add n1=.. n2=.." per call, and runs until stdin closes.
//   mono TlsPeer.exe call <url>
//       Calls Add(100, 15.99) and prints "PASS Add <result>" (exit 0) or
//       "FAIL Add <exception type>: <message>" (exit 1).
using System;
using System.IO;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.ServiceModel;

namespace Wws.Interop.Tls
{
	[ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
	public interface ICalculator
	{
		[OperationContract] double Add(double n1, double n2);
	}

	public class Calculator : ICalculator
	{
		public double Add(double n1, double n2)
		{
			Console.WriteLine("CALL Add n1=" + n1.ToString("R", CultureInfo.InvariantCulture) + " n2=" + n2.ToString("R", CultureInfo.InvariantCulture));
			return n1 + n2;
		}
	}

	public static class TlsPeer
	{
		static NetTcpBinding Binding()
		{
			var b = new NetTcpBinding(SecurityMode.Transport);
			b.Security.Transport.ClientCredentialType = TcpClientCredentialType.None;
			b.OpenTimeout = TimeSpan.FromSeconds(10);
			b.SendTimeout = TimeSpan.FromSeconds(10);
			b.ReceiveTimeout = TimeSpan.FromMinutes(10);
			b.CloseTimeout = TimeSpan.FromSeconds(2);
			return b;
		}

		// Certificate joins a DER certificate and an RSA key in a PKCS #12 built with
		// Mono.Security: Mono 6.8 refuses X509Certificate2.PrivateKey's setter
		// (PlatformNotSupportedException).
		static X509Certificate2 Certificate(string der, string keyXml)
		{
			var rsa = new RSACryptoServiceProvider();
			rsa.FromXmlString(File.ReadAllText(keyXml));
			var p12 = new Mono.Security.X509.PKCS12();
			p12.Password = "wws";
			p12.AddCertificate(new Mono.Security.X509.X509Certificate(File.ReadAllBytes(der)));
			p12.AddPkcs8ShroudedKeyBag(rsa);
			return new X509Certificate2(p12.GetBytes(), "wws");
		}

		static int Serve(string url, string der, string keyXml)
		{
			var host = new ServiceHost(typeof(Calculator), new Uri(url));
			host.AddServiceEndpoint(typeof(ICalculator), Binding(), url);
			host.Credentials.ServiceCertificate.Certificate = Certificate(der, keyXml);
			host.Open(TimeSpan.FromSeconds(20));
			Console.WriteLine("listening " + url);
			Console.In.ReadToEnd();
			host.Abort();
			return 0;
		}

		static int Call(string url)
		{
			var f = new ChannelFactory<ICalculator>(Binding(), new EndpointAddress(url));
			try {
				var ch = f.CreateChannel();
				var r = ch.Add(100, 15.99);
				Console.WriteLine("PASS Add " + r.ToString("R", CultureInfo.InvariantCulture));
				((IClientChannel)ch).Abort();
				return 0;
			} catch (Exception e) {
				Console.WriteLine("FAIL Add " + e.GetType().FullName + ": " + e.Message);
				return 1;
			}
		}

		public static int Main(string[] args)
		{
			int rc = 2;
			if (args.Length == 4 && args[0] == "serve")
				rc = Serve(args[1], args[2], args[3]);
			else if (args.Length == 2 && args[0] == "call")
				rc = Call(args[1]);
			else
				Console.Error.WriteLine("usage: mono TlsPeer.exe serve <url> <cert.der> <key.xml> | call <url>");
			Console.Out.Flush();
			// Mono's WCF leaves foreground threads behind; do not wait for them.
			Environment.Exit(rc);
			return rc;
		}
	}
}
