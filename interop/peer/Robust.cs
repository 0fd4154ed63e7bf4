// Robust.cs: a pass-through channel layer that keeps Mono's net.tcp service alive.
//
// Mono 6.8's net.tcp listener wedges for good when the dispatcher's Open of an accepted
// channel fails (a client that sends garbage, or resets/closes the connection during the
// preamble): the ChannelDispatcher loop never accepts again, later clients connect but are
// never answered. And a connection that ends in the middle of a sized envelope leaves a
// thread spinning forever in TcpBinaryFrameManager.ReadSizedChunk (Read returns 0 at EOF).
//
// RobustAcceptBindingElement sits directly above the TCP transport in the service's
// binding. Its listener accepts and opens transport channels itself, each on its own
// thread, takes them out of Mono's own accepted-channel list (which poisons every later
// accept once one of them is reset), drops (aborts) the ones whose preamble fails, and
// hands the dispatcher only
// channels that are already open, wrapped so that the dispatcher's Open is a no-op. The
// wrapper also watches receives: when the peer has closed the socket but a receive is
// still running after a second, it aborts the transport channel, which ends the spin.
// Nothing here touches bytes: the wire is exactly Mono's (checked by replaying the
// captures in shared/vectors/mono, which come back byte for byte).
using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Reflection;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Threading;
using System.Threading.Tasks;

namespace Wws.Interop
{
	public class RobustAcceptBindingElement : BindingElement
	{
		public override BindingElement Clone() { return new RobustAcceptBindingElement(); }

		public override T GetProperty<T>(BindingContext context) { return context.GetInnerProperty<T>(); }

		public override bool CanBuildChannelFactory<TChannel>(BindingContext context)
		{
			return context.CanBuildInnerChannelFactory<TChannel>();
		}

		public override IChannelFactory<TChannel> BuildChannelFactory<TChannel>(BindingContext context)
		{
			return context.BuildInnerChannelFactory<TChannel>();
		}

		public override bool CanBuildChannelListener<TChannel>(BindingContext context)
		{
			return context.CanBuildInnerChannelListener<TChannel>();
		}

		public override IChannelListener<TChannel> BuildChannelListener<TChannel>(BindingContext context)
		{
			var inner = context.BuildInnerChannelListener<TChannel>();
			if (typeof(TChannel) != typeof(IDuplexSessionChannel))
				return inner;
			return (IChannelListener<TChannel>)(object)new RobustListener((IChannelListener<IDuplexSessionChannel>)(object)inner, context.Binding);
		}

		// Wrap returns binding with this element inserted just above its transport.
		public static Binding Wrap(Binding binding)
		{
			var elements = binding.CreateBindingElements();
			var i = elements.Count - 1;
			while (i >= 0 && !(elements[i] is TransportBindingElement))
				i--;
			if (i < 0)
				return binding;
			elements.Insert(i, new RobustAcceptBindingElement());
			var custom = new CustomBinding(elements) {
				Name = binding.Name,
				Namespace = binding.Namespace,
				OpenTimeout = binding.OpenTimeout,
				CloseTimeout = binding.CloseTimeout,
				SendTimeout = binding.SendTimeout,
				ReceiveTimeout = binding.ReceiveTimeout,
			};
			return custom;
		}
	}

	class RobustListener : ChannelListenerBase<IDuplexSessionChannel>
	{
		readonly IChannelListener<IDuplexSessionChannel> inner;
		readonly Queue<IDuplexSessionChannel> ready = new Queue<IDuplexSessionChannel>();
		readonly object gate = new object();
		readonly TimeSpan openTimeout;
		Thread acceptor;
		volatile bool stopping;

		public RobustListener(IChannelListener<IDuplexSessionChannel> inner, IDefaultCommunicationTimeouts timeouts)
			: base(timeouts)
		{
			this.inner = inner;
			openTimeout = timeouts.OpenTimeout;
		}

		public override Uri Uri { get { return inner.Uri; } }

		public override T GetProperty<T>()
		{
			return inner.GetProperty<T>() ?? base.GetProperty<T>();
		}

		protected override void OnOpen(TimeSpan timeout)
		{
			inner.Open(timeout);
			acceptor = new Thread(AcceptLoop) { IsBackground = true, Name = "robust-accept" };
			acceptor.Start();
		}

		void AcceptLoop()
		{
			while (!stopping) {
				IDuplexSessionChannel ch;
				try {
					// Short waits: Mono's listener can miss a wake-up; a new wait picks the
					// queued connection up.
					ch = inner.AcceptChannel(TimeSpan.FromSeconds(1));
				} catch (Exception e) {
					if (stopping)
						break;
					Peer.Log("NOTE net.tcp accept failed: " + e.GetType().Name + ": " + e.Message);
					Thread.Sleep(50);
					continue;
				}
				if (ch == null)
					continue;
				Forget(ch);
				var c = ch;
				new Thread(() => OpenOne(c)) { IsBackground = true, Name = "robust-open" }.Start();
			}
		}

		// Forget takes ch out of the TCP listener's own list of accepted channels. Mono walks
		// that list on every accept and reads each channel's RemoteEndPoint: one channel whose
		// peer has reset the connection makes every later accept throw (and drop the new
		// connection). This layer manages the lifetime of the channels itself.
		void Forget(IDuplexSessionChannel ch)
		{
			try {
				if (acceptedField == null)
					acceptedField = inner.GetType().GetField("accepted_channels", BindingFlags.Instance | BindingFlags.NonPublic);
				var list = acceptedField == null ? null : acceptedField.GetValue(inner) as SynchronizedCollection<IDuplexSessionChannel>;
				if (list != null)
					list.Remove(ch);
			} catch (Exception e) {
				Peer.Log("NOTE cannot detach net.tcp channel from Mono's listener: " + e.Message);
			}
		}

		FieldInfo acceptedField;

		void OpenOne(IDuplexSessionChannel ch)
		{
			var opened = false;
			using (new Timer(_ => { if (!opened) ch.Abort(); }, null, openTimeout, TimeSpan.FromMilliseconds(-1))) {
				try {
					ch.Open(openTimeout);
					opened = true;
				} catch (Exception e) {
					Peer.Log("NOTE net.tcp connection dropped during preamble: " + e.GetType().Name + ": " + e.Message);
				}
			}
			if (!opened || ch.State != CommunicationState.Opened) {
				ch.Abort();
				return;
			}
			lock (gate) {
				ready.Enqueue(new RobustChannel(this, ch));
				Monitor.PulseAll(gate);
			}
		}

		protected override IDuplexSessionChannel OnAcceptChannel(TimeSpan timeout)
		{
			var deadline = timeout >= TimeSpan.FromDays(1) ? DateTime.MaxValue : DateTime.UtcNow + timeout;
			lock (gate) {
				while (ready.Count == 0) {
					if (stopping || State != CommunicationState.Opened)
						return null;
					var left = deadline == DateTime.MaxValue ? TimeSpan.FromSeconds(1) : deadline - DateTime.UtcNow;
					if (left <= TimeSpan.Zero)
						return null;
					Monitor.Wait(gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
				}
				return ready.Dequeue();
			}
		}

		protected override IAsyncResult OnBeginAcceptChannel(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => OnAcceptChannel(timeout), callback, state);
		}

		protected override IDuplexSessionChannel OnEndAcceptChannel(IAsyncResult result)
		{
			return Async.End<IDuplexSessionChannel>(result);
		}

		protected override bool OnWaitForChannel(TimeSpan timeout)
		{
			var deadline = DateTime.UtcNow + (timeout > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : timeout);
			lock (gate) {
				while (ready.Count == 0 && !stopping) {
					var left = deadline - DateTime.UtcNow;
					if (left <= TimeSpan.Zero)
						return false;
					Monitor.Wait(gate, left);
				}
				return ready.Count > 0;
			}
		}

		protected override IAsyncResult OnBeginWaitForChannel(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => OnWaitForChannel(timeout), callback, state);
		}

		protected override bool OnEndWaitForChannel(IAsyncResult result) { return Async.End<bool>(result); }

		void Stop()
		{
			stopping = true;
			lock (gate) {
				Monitor.PulseAll(gate);
				while (ready.Count > 0)
					ready.Dequeue().Abort();
			}
		}

		protected override void OnClose(TimeSpan timeout)
		{
			Stop();
			try {
				inner.Close(timeout);
			} catch (Exception) {
				inner.Abort();
			}
		}

		protected override void OnAbort()
		{
			Stop();
			inner.Abort();
		}

		protected override IAsyncResult OnBeginClose(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => { OnClose(timeout); return true; }, callback, state);
		}

		protected override void OnEndClose(IAsyncResult result) { Async.End<bool>(result); }

		protected override IAsyncResult OnBeginOpen(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => { OnOpen(timeout); return true; }, callback, state);
		}

		protected override void OnEndOpen(IAsyncResult result) { Async.End<bool>(result); }
	}

	// RobustChannel hands an already open transport channel to the dispatcher.
	public class RobustChannel : ChannelBase, IDuplexSessionChannel
	{
		readonly IDuplexSessionChannel inner;
		readonly Socket socket; // the transport's socket, when it can be found
		int receiving; // receives in progress
		int closedTicks; // consecutive watchdog ticks that saw the peer gone during a receive

		static readonly List<RobustChannel> live = new List<RobustChannel>();
		static readonly Timer watchdog = new Timer(_ => {
			try {
				Watch();
			} catch (Exception e) {
				Peer.Log("NOTE net.tcp watchdog: " + e.Message);
			}
		}, null, 500, 500);

		internal RobustChannel(ChannelManagerBase manager, IDuplexSessionChannel inner) : base(manager)
		{
			this.inner = inner;
			socket = FindSocket(inner);
			inner.Faulted += (s, e) => Fault();
			inner.Closed += (s, e) => {
				if (State == CommunicationState.Opened)
					Abort();
			};
			lock (live)
				live.Add(this);
			GC.KeepAlive(watchdog);
		}

		static Socket FindSocket(object ch)
		{
			try {
				var p = ch.GetType().GetProperty("TcpClient", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
				var client = p == null ? null : p.GetValue(ch, null) as TcpClient;
				return client == null ? null : client.Client;
			} catch (Exception) {
				return null;
			}
		}

		// Watch aborts transport channels whose receive keeps running after the peer closed
		// the connection (Mono spins at EOF inside a sized envelope).
		static void Watch()
		{
			RobustChannel[] all;
			lock (live)
				all = live.ToArray();
			foreach (var c in all) {
				if (c.State == CommunicationState.Closed || c.inner.State == CommunicationState.Closed) {
					lock (live)
						live.Remove(c);
					continue;
				}
				bool gone = false;
				try {
					gone = Volatile.Read(ref c.receiving) > 0 && c.socket != null &&
						c.socket.Poll(0, SelectMode.SelectRead) && c.socket.Available == 0;
				} catch (Exception) {
					gone = true;
				}
				c.closedTicks = gone ? c.closedTicks + 1 : 0;
				if (c.closedTicks >= 2) {
					Peer.Log("NOTE net.tcp peer went away in the middle of a message; aborting the stuck receive");
					lock (live)
						live.Remove(c);
					c.inner.Abort();
				}
			}
		}

		public override T GetProperty<T>() { return inner.GetProperty<T>() ?? base.GetProperty<T>(); }

		public IDuplexSession Session { get { return inner.Session; } }
		public EndpointAddress LocalAddress { get { return inner.LocalAddress; } }
		public EndpointAddress RemoteAddress { get { return inner.RemoteAddress; } }
		public Uri Via { get { return inner.Via; } }

		protected override void OnOpen(TimeSpan timeout) { }
		protected override IAsyncResult OnBeginOpen(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => true, callback, state);
		}
		protected override void OnEndOpen(IAsyncResult result) { Async.End<bool>(result); }

		protected override void OnClose(TimeSpan timeout)
		{
			try {
				if (inner.State == CommunicationState.Opened)
					inner.Close(timeout);
				else
					inner.Abort();
			} catch (Exception) {
				inner.Abort();
			}
		}
		protected override IAsyncResult OnBeginClose(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => { OnClose(timeout); return true; }, callback, state);
		}
		protected override void OnEndClose(IAsyncResult result) { Async.End<bool>(result); }
		protected override void OnAbort() { inner.Abort(); }

		// IOutputChannel
		public void Send(Message message) { inner.Send(message); }
		public void Send(Message message, TimeSpan timeout) { inner.Send(message, timeout); }
		public IAsyncResult BeginSend(Message message, AsyncCallback callback, object state)
		{
			return BeginSend(message, DefaultSendTimeout, callback, state);
		}
		public IAsyncResult BeginSend(Message message, TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => { inner.Send(message, timeout); return true; }, callback, state);
		}
		public void EndSend(IAsyncResult result) { Async.End<bool>(result); }

		// IInputChannel
		public Message Receive() { return Receive(DefaultReceiveTimeout); }
		public Message Receive(TimeSpan timeout)
		{
			Message m;
			if (!TryReceive(timeout, out m))
				throw new TimeoutException("receive timed out");
			return m;
		}
		public IAsyncResult BeginReceive(AsyncCallback callback, object state) { return BeginReceive(DefaultReceiveTimeout, callback, state); }
		public IAsyncResult BeginReceive(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => Receive(timeout), callback, state);
		}
		public Message EndReceive(IAsyncResult result) { return Async.End<Message>(result); }

		// Current and CurrentMessageId name the channel and request the calling thread last
		// received, for the error handler: Mono's dispatcher processes a received message on
		// the thread that received it.
		[ThreadStatic] public static RobustChannel Current;
		[ThreadStatic] public static System.Xml.UniqueId CurrentMessageId;

		public bool TryReceive(TimeSpan timeout, out Message message)
		{
			Current = null;
			CurrentMessageId = null;
			Interlocked.Increment(ref receiving);
			try {
				var ok = inner.TryReceive(timeout, out message);
				if (ok && message != null) {
					Current = this;
					try {
						CurrentMessageId = message.Headers.MessageId;
					} catch (Exception) {
					}
				}
				return ok;
			} catch (Exception) {
				// The transport died under the receive (aborted above, or reset): end of session.
				message = null;
				if (State == CommunicationState.Opened)
					Abort();
				return false;
			} finally {
				Interlocked.Decrement(ref receiving);
			}
		}
		public IAsyncResult BeginTryReceive(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => {
				Message m;
				var ok = TryReceive(timeout, out m);
				return Tuple.Create(ok, m);
			}, callback, state);
		}
		public bool EndTryReceive(IAsyncResult result, out Message message)
		{
			var r = Async.End<Tuple<bool, Message>>(result);
			message = r.Item2;
			return r.Item1;
		}
		public bool WaitForMessage(TimeSpan timeout) { return inner.WaitForMessage(timeout); }
		public IAsyncResult BeginWaitForMessage(TimeSpan timeout, AsyncCallback callback, object state)
		{
			return Async.Run(() => inner.WaitForMessage(timeout), callback, state);
		}
		public bool EndWaitForMessage(IAsyncResult result) { return Async.End<bool>(result); }
	}

	// Async adapts a synchronous call to the Begin/End pattern on a thread-pool task.
	static class Async
	{
		public static IAsyncResult Run<T>(Func<T> f, AsyncCallback callback, object state)
		{
			var task = Task.Factory.StartNew(_ => f(), state, CancellationToken.None,
				TaskCreationOptions.LongRunning, TaskScheduler.Default);
			if (callback != null)
				task.ContinueWith(t => callback(t), TaskContinuationOptions.ExecuteSynchronously);
			return task;
		}

		public static T End<T>(IAsyncResult result)
		{
			var task = (Task<T>)result;
			try {
				return task.Result;
			} catch (AggregateException e) {
				throw e.InnerException;
			}
		}
	}
}
