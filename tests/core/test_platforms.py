"""Platform identification: many real-world URL forms per platform, short links through redirect
chains, unknown and hostile input. Each row: URL, platform, kind, canonical URL, ids (subset),
handle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit.core.platforms import PLATFORMS, identify
from evidence_kit.core.platforms.rules import instagram_media_id, snowflake_time, tiktok_time

S = "1519480761749016577"  # an X status id
XS = f"https://x.com/i/status/{S}"
V = "dQw4w9WgXcQ"
YV = f"https://www.youtube.com/watch?v={V}"
IG = "https://www.instagram.com/p/CxYz123AbC_/"
TT = "7106594312292453675"
TTC = f"https://www.tiktok.com/@/video/{TT}"
G, C, M = "81384788765712384", "381889909113225237", "1234567890123456789"

CASES: list[tuple[str, str | None, str | None, str, dict[str, str], str | None]] = [
    # ---- X / Twitter: every host and suffix form names one status ----
    (f"https://x.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://twitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://www.twitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://mobile.twitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://m.twitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://mobile.x.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/someone/status/{S}/photo/1", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://twitter.com/someone/status/{S}/photo/4?s=20&t=abc", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/someone/status/{S}/video/1", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/someone/status/{S}/analytics", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/someone/status/{S}?ref_src=twsrc%5Etfw", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://twitter.com/someone/statuses/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://fxtwitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://vxtwitter.com/someone/status/{S}/photo/2", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://fixupx.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://d.fxtwitter.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/i/web/status/{S}", "x", "post", XS, {"status_id": S}, None),
    (f"https://x.com/i/status/{S}", "x", "post", XS, {"status_id": S}, None),
    (f"https://twitter.com/#!/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://twitter.com/intent/retweet?tweet_id={S}", "x", "post", XS, {"status_id": S}, None),
    (f"https://TWITTER.COM/SomeOne/status/{S}", "x", "post", XS, {"status_id": S}, "SomeOne"),
    (f"x.com/someone/status/{S}", "x", "post", XS, {"status_id": S}, "someone"),
    (f"https://x.com/i/flow/login?redirect_after_login=%2Fsomeone%2Fstatus%2F{S}", "x", "post", XS,
     {"status_id": S}, "someone"),
    ("https://x.com/someone", "x", "account", "https://x.com/someone", {}, "someone"),
    ("https://x.com/SomeOne", "x", "account", "https://x.com/someone", {}, "SomeOne"),
    ("https://twitter.com/@someone", "x", "account", "https://x.com/someone", {}, "someone"),
    ("https://x.com/someone/media", "x", "account", "https://x.com/someone", {}, "someone"),
    ("https://x.com/someone/with_replies", "x", "account", "https://x.com/someone", {}, "someone"),
    ("https://twitter.com/intent/user?user_id=783214", "x", "account", "https://x.com/i/user/783214",
     {"user_id": "783214"}, None),
    ("https://twitter.com/intent/follow?screen_name=someone", "x", "account", "https://x.com/someone", {}, "someone"),
    ("https://x.com/i/user/783214", "x", "account", "https://x.com/i/user/783214", {"user_id": "783214"}, None),
    ("https://x.com/i/lists/1234567", "x", "list", "https://x.com/i/lists/1234567", {"list_id": "1234567"}, None),
    ("https://x.com/i/communities/1600", "x", "group", "https://x.com/i/communities/1600",
     {"community_id": "1600"}, None),
    ("https://x.com/i/spaces/1YqKDqWqdPLGV", "x", "space", "https://x.com/i/spaces/1YqKDqWqdPLGV",
     {"space_id": "1YqKDqWqdPLGV"}, None),
    ("https://x.com/hashtag/deepfake", "x", "hashtag", "https://x.com/hashtag/deepfake", {"hashtag": "deepfake"}, None),
    ("https://x.com/home", "x", "page", "https://x.com/home", {}, None),
    ("https://x.com/", "x", "page", "https://x.com/", {}, None),
    ("https://x.com/search?q=abc", "x", "page", "https://x.com/search?q=abc", {}, None),
    # ---- YouTube: one video id from every form ----
    (f"https://www.youtube.com/watch?v={V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://youtube.com/watch?v={V}&t=42s", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://m.youtube.com/watch?v={V}&feature=share", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/watch?app=desktop&v={V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://music.youtube.com/watch?v={V}&si=abc", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://youtu.be/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://youtu.be/{V}?si=Xyz123&t=10", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/shorts/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://youtube.com/shorts/{V}?feature=share", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/embed/{V}?autoplay=1", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube-nocookie.com/embed/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/live/{V}?feature=shared", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/v/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/e/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/watch/{V}", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/attribution_link?a=x&u=%2Fwatch%3Fv%3D{V}%26feature%3Dshare", "youtube", "video",
     YV, {"video_id": V}, None),
    (f"https://www.youtube.com/watch?v={V}&list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "youtube", "video", YV,
     {"video_id": V, "playlist_id": "PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs"}, None),
    (f"https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D{V}", "youtube", "video",
     YV, {"video_id": V}, None),
    ("https://www.youtube.com/@SomeChannel", "youtube", "channel", "https://www.youtube.com/@somechannel", {},
     "SomeChannel"),
    ("https://www.youtube.com/@SomeChannel/videos", "youtube", "channel", "https://www.youtube.com/@somechannel",
     {}, "SomeChannel"),
    ("https://m.youtube.com/@SomeChannel/shorts", "youtube", "channel", "https://www.youtube.com/@somechannel",
     {}, "SomeChannel"),
    ("https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", "youtube", "channel",
     "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", {"channel_id": "UC_x5XG1OV2P6uZZ5FSM9Ttw"}, None),
    ("https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw/featured", "youtube", "channel",
     "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw", {"channel_id": "UC_x5XG1OV2P6uZZ5FSM9Ttw"}, None),
    ("https://www.youtube.com/c/GoogleDevelopers", "youtube", "channel", "https://www.youtube.com/c/GoogleDevelopers",
     {"custom_url": "GoogleDevelopers"}, "GoogleDevelopers"),
    ("https://www.youtube.com/user/GoogleDevelopers", "youtube", "channel",
     "https://www.youtube.com/user/GoogleDevelopers", {"legacy_username": "GoogleDevelopers"}, "GoogleDevelopers"),
    ("https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "youtube", "playlist",
     "https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs",
     {"playlist_id": "PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs"}, None),
    ("https://www.youtube.com/post/UgkxAbC", "youtube", "post", "https://www.youtube.com/post/UgkxAbC",
     {"post_id": "UgkxAbC"}, None),
    ("https://www.youtube.com/clip/UgkxClip1", "youtube", "clip", "https://www.youtube.com/clip/UgkxClip1",
     {"clip_id": "UgkxClip1"}, None),
    ("https://www.youtube.com/watch?v=short", "youtube", "page", "https://www.youtube.com/watch?v=short", {}, None),
    ("https://www.youtube.com/embed/videoseries?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "youtube", "playlist",
     "https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs",
     {"playlist_id": "PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs"}, None),
    (f"https://www.youtube.com/watch?v={V}#t=30", "youtube", "video", YV, {"video_id": V}, None),
    (f"https://www.youtube.com/watch?v={V}&lc=UgzDE2tasfmrYLyNkGt4AaABAg", "youtube", "comment",
     f"{YV}&lc=UgzDE2tasfmrYLyNkGt4AaABAg", {"video_id": V, "comment_id": "UgzDE2tasfmrYLyNkGt4AaABAg"}, None),
    ("https://www.youtube.com/", "youtube", "page", "https://www.youtube.com/", {}, None),
    # ---- Instagram: one shortcode ----
    ("https://www.instagram.com/p/CxYz123AbC_/", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://instagram.com/p/CxYz123AbC_", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/p/CxYz123AbC_/?igsh=MWQ1ZGUxMzBkMA==", "instagram", "post", IG,
     {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/p/CxYz123AbC_/?img_index=2", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"},
     None),
    ("https://www.instagram.com/reel/CxYz123AbC_/", "instagram", "reel", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/reels/CxYz123AbC_/", "instagram", "reel", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/tv/CxYz123AbC_/", "instagram", "video", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://instagr.am/p/CxYz123AbC_/", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://m.instagram.com/p/CxYz123AbC_/", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.ddinstagram.com/reel/CxYz123AbC_/", "instagram", "reel", IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/some.user/p/CxYz123AbC_/", "instagram", "post", IG, {"shortcode": "CxYz123AbC_"},
     "some.user"),
    ("https://www.instagram.com/some.user/reel/CxYz123AbC_/", "instagram", "reel", IG,
     {"shortcode": "CxYz123AbC_"}, "some.user"),
    ("https://www.instagram.com/accounts/login/?next=%2Fp%2FCxYz123AbC_%2F", "instagram", "post", IG,
     {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/accounts/login/?next=/reel/CxYz123AbC_/&source=desktop_nav", "instagram", "reel",
     IG, {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/stories/some.user/3123456789012345678/", "instagram", "story",
     "https://www.instagram.com/stories/some.user/3123456789012345678/", {"story_id": "3123456789012345678"},
     "some.user"),
    ("https://www.instagram.com/stories/highlights/17912345678901234/", "instagram", "highlight",
     "https://www.instagram.com/stories/highlights/17912345678901234/", {"highlight_id": "17912345678901234"}, None),
    ("https://www.instagram.com/some.user/", "instagram", "account", "https://www.instagram.com/some.user/", {},
     "some.user"),
    ("https://instagram.com/some_user?igshid=abc", "instagram", "account", "https://www.instagram.com/some_user/",
     {}, "some_user"),
    ("https://www.instagram.com/explore/tags/korea/", "instagram", "hashtag",
     "https://www.instagram.com/explore/tags/korea/", {"hashtag": "korea"}, None),
    ("https://www.instagram.com/explore/locations/212988663/", "instagram", "location",
     "https://www.instagram.com/explore/locations/212988663/", {"location_id": "212988663"}, None),
    ("https://instagram.com/_u/Some.User", "instagram", "account", "https://www.instagram.com/some.user/", {},
     "Some.User"),
    ("https://www.instagram.com/p/CxYz123AbC_/embed/captioned/", "instagram", "post", IG,
     {"shortcode": "CxYz123AbC_"}, None),
    ("https://www.instagram.com/p/CxYz123AbC_/c/17890123456789012/", "instagram", "comment",
     "https://www.instagram.com/p/CxYz123AbC_/c/17890123456789012/",
     {"shortcode": "CxYz123AbC_", "comment_id": "17890123456789012"}, None),
    ("https://www.instagram.com/direct/inbox/", "instagram", "page", "https://www.instagram.com/direct/inbox/", {},
     None),
    # ---- Telegram: one message ----
    ("https://t.me/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("https://t.me/s/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("https://telegram.me/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("https://telegram.dog/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"},
     "durov"),
    ("https://www.t.me/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("http://t.me/durov/123?single", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("https://t.me/durov/123?embed=1&mode=tme", "telegram", "message", "https://t.me/durov/123",
     {"message_id": "123"}, "durov"),
    ("t.me/durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "durov"),
    ("https://t.me/durov/123?comment=456", "telegram", "comment", "https://t.me/durov/123?comment=456",
     {"message_id": "123", "comment_id": "456"}, "durov"),
    ("https://t.me/somegroup/123?thread=100", "telegram", "message", "https://t.me/somegroup/123",
     {"message_id": "123", "thread_id": "100"}, "somegroup"),
    ("https://t.me/somegroup/100/123", "telegram", "message", "https://t.me/somegroup/100/123",
     {"message_id": "123", "thread_id": "100"}, "somegroup"),
    ("https://t.me/c/1234567890/55", "telegram", "message", "https://t.me/c/1234567890/55",
     {"message_id": "55", "chat_id": "1234567890", "channel_id": "-1001234567890"}, None),
    ("https://t.me/c/1234567890/10/55", "telegram", "message", "https://t.me/c/1234567890/10/55",
     {"message_id": "55", "thread_id": "10"}, None),
    ("https://t.me/c/1234567890/55?single", "telegram", "message", "https://t.me/c/1234567890/55",
     {"message_id": "55"}, None),
    ("https://t.me/c/1234567890", "telegram", "channel", "https://t.me/c/1234567890",
     {"chat_id": "1234567890"}, None),
    ("https://t.me/+AbCdEfGhIjK0LmNo", "telegram", "invite", "https://t.me/+AbCdEfGhIjK0LmNo",
     {"invite_hash": "AbCdEfGhIjK0LmNo"}, None),
    ("https://t.me/joinchat/AbCdEfGhIjK0LmNo", "telegram", "invite", "https://t.me/+AbCdEfGhIjK0LmNo",
     {"invite_hash": "AbCdEfGhIjK0LmNo"}, None),
    ("https://telegram.me/joinchat/AbCdEfGhIjK0LmNo", "telegram", "invite", "https://t.me/+AbCdEfGhIjK0LmNo",
     {"invite_hash": "AbCdEfGhIjK0LmNo"}, None),
    ("https://t.me/durov", "telegram", "account", "https://t.me/durov", {}, "durov"),
    ("https://t.me/Durov/123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"}, "Durov"),
    ("https://www.instagram.com/Some.User/", "instagram", "account", "https://www.instagram.com/some.user/", {},
     "Some.User"),
    ("https://www.youtube.com/@SomeChannel/streams", "youtube", "channel", "https://www.youtube.com/@somechannel",
     {}, "SomeChannel"),
    ("https://t.me/s/durov", "telegram", "channel", "https://t.me/durov", {}, "durov"),
    ("https://durov.t.me/", "telegram", "account", "https://t.me/durov", {}, "durov"),
    ("https://t.me/SomeHelperBot?start=abc", "telegram", "bot", "https://t.me/somehelperbot", {}, "SomeHelperBot"),
    ("https://t.me/durov/s/12", "telegram", "story", "https://t.me/durov/s/12", {"story_id": "12"}, "durov"),
    ("https://t.me/addstickers/SomePack", "telegram", "stickers", "https://t.me/addstickers/SomePack",
     {"set_name": "SomePack"}, None),
    ("tg://resolve?domain=durov&post=123", "telegram", "message", "https://t.me/durov/123", {"message_id": "123"},
     "durov"),
    ("tg://resolve?domain=durov", "telegram", "account", "https://t.me/durov", {}, "durov"),
    ("tg://join?invite=AbCdEfGhIjK0LmNo", "telegram", "invite", "https://t.me/+AbCdEfGhIjK0LmNo",
     {"invite_hash": "AbCdEfGhIjK0LmNo"}, None),
    ("tg://privatepost?channel=1234567890&post=55", "telegram", "message", "https://t.me/c/1234567890/55",
     {"message_id": "55"}, None),
    ("https://web.telegram.org/k/#@durov", "telegram", "account", "https://t.me/durov", {}, "durov"),
    ("https://web.telegram.org/a/#-1001234567890", "telegram", "channel", "https://web.telegram.org/a/",
     {"chat_id": "-1001234567890"}, None),
    ("https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fdurov%2F9", "telegram", "message", "https://t.me/durov/9",
     {"message_id": "9"}, "durov"),
    ("https://t.me/", "telegram", "page", "https://t.me/", {}, None),
    # ---- Facebook ----
    ("https://www.facebook.com/somepage/posts/123456789012345", "facebook", "post",
     "https://www.facebook.com/somepage/posts/123456789012345", {"post_id": "123456789012345"}, "somepage"),
    ("https://m.facebook.com/somepage/posts/123456789012345/?mibextid=abc", "facebook", "post",
     "https://www.facebook.com/somepage/posts/123456789012345", {"post_id": "123456789012345"}, "somepage"),
    ("https://www.facebook.com/somepage/posts/pfbid02abcdefghijklmnopqrstuvwxyzABCDEF", "facebook", "post",
     "https://www.facebook.com/somepage/posts/pfbid02abcdefghijklmnopqrstuvwxyzABCDEF",
     {"post_id": "pfbid02abcdefghijklmnopqrstuvwxyzABCDEF"}, "somepage"),
    ("https://www.facebook.com/permalink.php?story_fbid=123456789012345&id=100001234567890", "facebook", "post",
     "https://www.facebook.com/100001234567890/posts/123456789012345",
     {"post_id": "123456789012345", "owner_id": "100001234567890"}, None),
    ("https://mbasic.facebook.com/story.php?story_fbid=123456789012345&id=100001234567890", "facebook", "post",
     "https://www.facebook.com/100001234567890/posts/123456789012345", {"post_id": "123456789012345"}, None),
    ("https://web.facebook.com/story.php?story_fbid=123456789012345&id=100001234567890&_rdc=1", "facebook", "post",
     "https://www.facebook.com/100001234567890/posts/123456789012345", {"post_id": "123456789012345"}, None),
    ("https://www.facebook.com/photo.php?fbid=10150000000000001&set=a.1&type=3", "facebook", "photo",
     "https://www.facebook.com/photo/?fbid=10150000000000001", {"photo_id": "10150000000000001"}, None),
    ("https://www.facebook.com/photo/?fbid=10150000000000001&set=a.1", "facebook", "photo",
     "https://www.facebook.com/photo/?fbid=10150000000000001", {"photo_id": "10150000000000001"}, None),
    ("https://www.facebook.com/somepage/photos/a.111222333/10150000000000001/", "facebook", "photo",
     "https://www.facebook.com/photo/?fbid=10150000000000001",
     {"photo_id": "10150000000000001", "album_id": "111222333"}, "somepage"),
    ("https://www.facebook.com/somepage/videos/1234567890123456/", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, "somepage"),
    ("https://www.facebook.com/somepage/videos/some-title/1234567890123456/", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, "somepage"),
    ("https://www.facebook.com/watch/?v=1234567890123456", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/watch?v=1234567890123456", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/video.php?v=1234567890123456", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/reel/1234567890123456", "facebook", "reel",
     "https://www.facebook.com/watch/?v=1234567890123456",
     {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/groups/123456789012345/", "facebook", "group",
     "https://www.facebook.com/groups/123456789012345/", {"group_id": "123456789012345"}, None),
    ("https://www.facebook.com/groups/somegroup", "facebook", "group", "https://www.facebook.com/groups/somegroup/",
     {}, "somegroup"),
    ("https://www.facebook.com/groups/123456789012345/posts/987654321098765/", "facebook", "post",
     "https://www.facebook.com/groups/123456789012345/posts/987654321098765/",
     {"post_id": "987654321098765", "group_id": "123456789012345"}, None),
    ("https://www.facebook.com/groups/123456789012345/permalink/987654321098765/", "facebook", "post",
     "https://www.facebook.com/groups/123456789012345/posts/987654321098765/", {"post_id": "987654321098765"}, None),
    ("https://www.facebook.com/groups/123456789012345/?multi_permalinks=987654321098765", "facebook", "post",
     "https://www.facebook.com/groups/123456789012345/posts/987654321098765/", {"post_id": "987654321098765"}, None),
    ("https://www.facebook.com/profile.php?id=100001234567890", "facebook", "account",
     "https://www.facebook.com/profile.php?id=100001234567890", {"user_id": "100001234567890"}, None),
    ("https://m.facebook.com/profile.php?id=100001234567890&sk=photos", "facebook", "account",
     "https://www.facebook.com/profile.php?id=100001234567890", {"user_id": "100001234567890"}, None),
    ("https://www.facebook.com/people/Some-Name/100001234567890/", "facebook", "account",
     "https://www.facebook.com/profile.php?id=100001234567890", {"user_id": "100001234567890"}, None),
    ("https://www.facebook.com/some.name", "facebook", "account", "https://www.facebook.com/some.name", {},
     "some.name"),
    ("https://fb.com/some.name", "facebook", "account", "https://www.facebook.com/some.name", {}, "some.name"),
    ("https://www.facebook.com/100001234567890", "facebook", "account",
     "https://www.facebook.com/profile.php?id=100001234567890", {"user_id": "100001234567890"}, None),
    ("https://www.facebook.com/events/123456789012345/", "facebook", "event",
     "https://www.facebook.com/events/123456789012345/", {"event_id": "123456789012345"}, None),
    ("https://www.facebook.com/marketplace/item/123456789012345/", "facebook", "listing",
     "https://www.facebook.com/marketplace/item/123456789012345/", {"listing_id": "123456789012345"}, None),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Ft.me%2Fdurov%2F5&h=AT0", "telegram", "message",
     "https://t.me/durov/5", {"message_id": "5"}, "durov"),
    ("https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fwatch%2F%3Fv%3D1234567890123456",
     "facebook", "video", "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/share/p/1AbCdEfGhI/", "facebook", "short_link",
     "https://www.facebook.com/share/p/1AbCdEfGhI/", {"share_code": "1AbCdEfGhI"}, None),
    ("https://fb.watch/abcDEF123/", "facebook", "short_link", "https://fb.watch/abcDEF123/",
     {"short_code": "abcDEF123"}, None),
    ("https://www.facebook.com/groups/123456789012345/permalink/987654321098765/?comment_id=555", "facebook",
     "comment", "https://www.facebook.com/groups/123456789012345/posts/987654321098765/?comment_id=555",
     {"post_id": "987654321098765", "comment_id": "555"}, None),
    ("https://www.facebook.com/watch/live/?v=1234567890123456", "facebook", "video",
     "https://www.facebook.com/watch/?v=1234567890123456", {"video_id": "1234567890123456"}, None),
    ("https://www.facebook.com/", "facebook", "page", "https://www.facebook.com/", {}, None),
    # ---- TikTok ----
    (f"https://www.tiktok.com/@scout2015/video/{TT}", "tiktok", "video", TTC, {"video_id": TT}, "scout2015"),
    (f"https://www.tiktok.com/@scout2015/video/{TT}?is_from_webapp=1&sender_device=pc", "tiktok", "video", TTC,
     {"video_id": TT}, "scout2015"),
    (f"https://tiktok.com/@scout2015/video/{TT}", "tiktok", "video", TTC, {"video_id": TT}, "scout2015"),
    (f"https://m.tiktok.com/v/{TT}.html", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/embed/v2/{TT}", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/embed/{TT}", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/share/video/{TT}", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/player/v1/{TT}", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/@/video/{TT}", "tiktok", "video", TTC, {"video_id": TT}, None),
    (f"https://www.tiktok.com/@scout2015/photo/{TT}", "tiktok", "photo", f"https://www.tiktok.com/@/photo/{TT}",
     {"photo_id": TT}, "scout2015"),
    ("https://www.tiktok.com/@scout2015", "tiktok", "account", "https://www.tiktok.com/@scout2015", {}, "scout2015"),
    ("https://www.tiktok.com/@scout2015?lang=ko-KR", "tiktok", "account", "https://www.tiktok.com/@scout2015", {},
     "scout2015"),
    ("https://www.tiktok.com/@scout2015/live", "tiktok", "live", "https://www.tiktok.com/@scout2015/live", {},
     "scout2015"),
    ("https://vm.tiktok.com/ZMabc123/", "tiktok", "short_link", "https://vm.tiktok.com/ZMabc123/",
     {"short_code": "ZMabc123"}, None),
    ("https://vt.tiktok.com/ZSabc123/", "tiktok", "short_link", "https://vt.tiktok.com/ZSabc123/",
     {"short_code": "ZSabc123"}, None),
    ("https://www.tiktok.com/t/ZTabc123/", "tiktok", "short_link", "https://www.tiktok.com/t/ZTabc123/",
     {"short_code": "ZTabc123"}, None),
    ("https://www.tiktok.com/tag/fyp", "tiktok", "hashtag", "https://www.tiktok.com/tag/fyp", {"hashtag": "fyp"},
     None),
    ("https://www.tiktok.com/music/original-sound-7012345678901234567", "tiktok", "sound",
     "https://www.tiktok.com/music/original-sound-7012345678901234567", {"music_id": "7012345678901234567"}, None),
    # ---- Discord ----
    (f"https://discord.com/channels/{G}/{C}/{M}", "discord", "message", f"https://discord.com/channels/{G}/{C}/{M}",
     {"guild_id": G, "channel_id": C, "message_id": M, "message_time": "2024-04-29T18:12:02.167Z"}, None),
    (f"https://discordapp.com/channels/{G}/{C}/{M}", "discord", "message",
     f"https://discord.com/channels/{G}/{C}/{M}", {"message_id": M}, None),
    (f"https://ptb.discord.com/channels/{G}/{C}/{M}", "discord", "message",
     f"https://discord.com/channels/{G}/{C}/{M}", {"message_id": M}, None),
    (f"https://canary.discord.com/channels/{G}/{C}/{M}", "discord", "message",
     f"https://discord.com/channels/{G}/{C}/{M}", {"message_id": M}, None),
    (f"https://canary.discordapp.com/channels/{G}/{C}/{M}", "discord", "message",
     f"https://discord.com/channels/{G}/{C}/{M}", {"message_id": M}, None),
    (f"https://discord.com/channels/@me/{C}/{M}", "discord", "message",
     f"https://discord.com/channels/@me/{C}/{M}", {"guild_id": "@me", "message_id": M}, None),
    (f"https://discord.com/channels/{G}/{C}", "discord", "channel", f"https://discord.com/channels/{G}/{C}",
     {"guild_id": G, "channel_id": C, "channel_time": "2017-11-19T19:34:09.504Z"}, None),
    (f"https://discord.com/channels/{G}", "discord", "server", f"https://discord.com/channels/{G}",
     {"guild_id": G, "guild_time": "2015-08-13T13:54:05.698Z"}, None),
    ("https://discord.gg/python", "discord", "invite", "https://discord.gg/python", {"invite_code": "python"}, None),
    ("https://discord.gg/AbC12xYz", "discord", "invite", "https://discord.gg/AbC12xYz", {"invite_code": "AbC12xYz"},
     None),
    ("https://discord.com/invite/AbC12xYz", "discord", "invite", "https://discord.gg/AbC12xYz",
     {"invite_code": "AbC12xYz"}, None),
    ("https://discordapp.com/invite/AbC12xYz", "discord", "invite", "https://discord.gg/AbC12xYz",
     {"invite_code": "AbC12xYz"}, None),
    (f"https://discord.com/users/{M}", "discord", "account", f"https://discord.com/users/{M}",
     {"user_id": M, "user_time": "2024-04-29T18:12:02.167Z"}, None),
    (f"https://cdn.discordapp.com/attachments/{C}/{M}/image.png?ex=1&is=2&hm=3", "discord", "media",
     f"https://cdn.discordapp.com/attachments/{C}/{M}/image.png", {"attachment_id": M, "file_name": "image.png"},
     None),
    (f"https://media.discordapp.net/attachments/{C}/{M}/clip.mp4", "discord", "media",
     f"https://cdn.discordapp.com/attachments/{C}/{M}/clip.mp4", {"channel_id": C}, None),
    (f"https://discord.com/servers/python-{G}", "discord", "server", f"https://discord.com/channels/{G}",
     {"guild_id": G}, None),
    (f"https://discord.com/login?redirect_to=%2Fchannels%2F{G}%2F{C}%2F{M}", "discord", "message",
     f"https://discord.com/channels/{G}/{C}/{M}", {"message_id": M}, None),
    ("https://discord.com/", "discord", "page", "https://discord.com/", {}, None),
    # ---- unknown sites and odd URLs: never an error, a normalised URL ----
    ("https://Example.COM:443/Path?b=2&a=1#section", None, None, "https://example.com/Path?b=2&a=1", {}, None),
    ("http://example.com:80", None, None, "http://example.com/", {}, None),
    ("https://example.com:8443/x", None, None, "https://example.com:8443/x", {}, None),
    ("https://user:secret@example.com/x", None, None, "https://example.com/x", {}, None),
    ("https://한국.example/경로", None, None, "https://xn--3e0b707e.example/%EA%B2%BD%EB%A1%9C", {}, None),
    ("https://xn--3e0b707e.example/", None, None, "https://xn--3e0b707e.example/", {}, None),
    ("http://192.168.0.1:8080/admin", None, None, "http://192.168.0.1:8080/admin", {}, None),
    ("http://[2001:db8::1]/", None, None, "http://[2001:db8::1]/", {}, None),
    ("https://example.com/app#!/thread/5", None, None, "https://example.com/app#!/thread/5", {}, None),
    ("example.org", None, None, "https://example.org/", {}, None),
    ("  https://example.org/a  ", None, None, "https://example.org/a", {}, None),
    ("https://x.com.evil.example/someone/status/1", None, None, "https://x.com.evil.example/someone/status/1", {},
     None),
    ("https://notyoutube.com/watch?v=dQw4w9WgXcQ", None, None, "https://notyoutube.com/watch?v=dQw4w9WgXcQ", {}, None),
    ("https://t.me:8443/durov/1", None, None, "https://t.me:8443/durov/1", {}, None),
    ("javascript:alert(1)", None, None, "javascript:alert(1)", {}, None),
    ("file:///etc/passwd", None, None, "file:///etc/passwd", {}, None),
    ("data:text/html,<b>x</b>", None, None, "data:text/html,<b>x</b>", {}, None),
    ("http://[::1", None, None, "http://[::1", {}, None),
    ("https://", None, None, "https://", {}, None),
    ("", None, None, "", {}, None),
    # look-alikes: what a browser would open decides
    ("https://evil.example\\@x.com/someone/status/1", None, None, "https://evil.example/@x.com/someone/status/1", {},
     None),
    ("https://x.com@evil.example/someone/status/1", None, None, "https://evil.example/someone/status/1", {}, None),
    ("https://evil.example#@t.me/durov/1", None, None, "https://evil.example/", {}, None),
    ("https://х.com/someone/status/1", None, None, "https://xn--u1a.com/someone/status/1", {}, None),  # Cyrillic х
    (f"https://x.com\\someone\\status\\{S}", "x", "post", XS, {"status_id": S}, "someone"),
    ("https://t.me./durov/5", "telegram", "message", "https://t.me/durov/5", {"message_id": "5"}, "durov"),
    ("https://bit.ly/3abcDEF", None, "short_link", "https://bit.ly/3abcDEF", {}, None),
    ("https://t.co/AbC123xyz", None, "short_link", "https://t.co/AbC123xyz", {}, None),
]


@pytest.mark.parametrize(("url", "platform", "kind", "canonical", "ids", "handle"), CASES,
                         ids=[c[0][:80] for c in CASES])
def test_identify_table(url: str, platform: str | None, kind: str | None, canonical: str, ids: dict[str, str],
                        handle: str | None) -> None:
    info = identify(url)
    assert (info.platform, info.kind, info.canonical_url) == (platform, kind, canonical)
    for key, value in ids.items():
        assert info.ids.get(key) == value, (key, info.ids)
    assert info.handle == handle
    assert info.observed_url == url
    assert set(info.to_json()) >= {"platform", "kind", "canonical_url", "ids", "handle"}
    assert all(isinstance(v, str) for v in info.ids.values())


def test_table_is_large_and_covers_every_platform() -> None:
    assert len(CASES) >= 150
    for name in PLATFORMS:
        assert sum(1 for c in CASES if c[1] == name) >= 10, name


def test_all_forms_of_one_thing_share_one_canonical_url() -> None:
    by_id: dict[tuple[str, str], set[str]] = {}
    for url, platform, _kind, canonical, _ids, _h in CASES:
        info = identify(url)
        for key in ("status_id", "video_id", "shortcode", "message_id"):
            if platform and key in info.ids and "thread_id" not in info.ids and "comment_id" not in info.ids:
                scope = info.ids.get("chat_id", "") + info.ids.get("guild_id", "")
                by_id.setdefault((platform, info.ids[key] + scope), set()).add(canonical)
    for key, canonicals in by_id.items():
        assert len(canonicals) == 1, (key, canonicals)


# -- redirect chains ------------------------------------------------------------------------
def test_short_link_is_resolved_through_the_redirect_chain() -> None:
    info = identify("https://t.co/AbC123xyz", [f"https://x.com/someone/status/{S}/photo/1"])
    assert (info.platform, info.kind, info.canonical_url, info.handle) == ("x", "post", XS, "someone")
    assert info.observed_url == "https://t.co/AbC123xyz"
    assert info.resolved_url == f"https://x.com/someone/status/{S}/photo/1"


def test_tiktok_short_link_chain() -> None:
    chain = [f"https://www.tiktok.com/@scout2015/video/{TT}?_r=1&u_code=abc",
             f"https://m.tiktok.com/v/{TT}.html?_d=x"]
    info = identify("https://vm.tiktok.com/ZMabc123/", chain)
    assert info.canonical_url == TTC and info.ids["video_id"] == TT


def test_facebook_share_and_fb_watch_chains() -> None:
    info = identify("https://www.facebook.com/share/v/1AbCdEfGhI/",
                    ["https://www.facebook.com/somepage/videos/1234567890123456/"])
    assert info.kind == "video" and info.ids["video_id"] == "1234567890123456"
    info = identify("https://fb.watch/abcDEF123/", ["https://www.facebook.com/watch/?v=1234567890123456"])
    assert info.canonical_url == "https://www.facebook.com/watch/?v=1234567890123456"


def test_final_url_decides_and_a_login_wall_does_not_hide_the_post() -> None:
    # bit.ly -> YouTube: the final URL names the platform
    assert identify("https://bit.ly/x", [f"https://youtu.be/{V}", YV]).canonical_url == YV
    # the post, then a login wall with no `next`: the post is kept
    info = identify("https://www.instagram.com/p/CxYz123AbC_/", ["https://www.instagram.com/accounts/login/"])
    assert info.canonical_url == IG and info.kind == "post"
    # a short link that ends on an unknown site stays unknown, named by where it ended
    info = identify("https://bit.ly/x", ["https://example.com/landing"])
    assert info.platform is None and info.canonical_url == "https://example.com/landing"
    # a known page that redirects to another known thing: the final URL decides
    info = identify("https://discord.gg/python", [f"https://discord.com/channels/{G}/{C}"])
    assert info.kind == "channel"


def test_redirect_chain_with_junk_never_raises() -> None:
    info = identify("https://t.co/x", ["", "javascript:alert(1)", "http://[::1", f"https://youtu.be/{V}"])
    assert info.canonical_url == YV
    assert identify("https://t.co/x", []).kind == "short_link"


# -- ids and their times --------------------------------------------------------------------
def test_snowflake_times() -> None:
    assert snowflake_time("175928847299117063", 1420070400000) == "2016-04-30T11:18:25.796Z"  # Discord docs example
    assert snowflake_time("not a number", 0) is None
    assert snowflake_time("9" * 30, 0) is None
    assert identify(f"https://x.com/a/status/{S}").ids["status_time"] == "2022-04-28T00:56:58.845Z"
    assert "status_time" not in identify("https://twitter.com/jack/status/20").ids  # pre-snowflake id
    assert tiktok_time(TT) == "2022-06-07T20:15:27.000Z"
    assert tiktok_time("123") is None


def test_instagram_media_id() -> None:
    assert instagram_media_id("B") == "1"
    assert instagram_media_id("BA") == "64"
    assert instagram_media_id("CxYz123AbC_") is not None
    assert instagram_media_id("CxYz123AbC_toolongprivate") is None
    assert instagram_media_id("bad!") is None


# -- hostile input --------------------------------------------------------------------------
@given(st.text(max_size=300))
@settings(max_examples=400, deadline=None)
def test_any_string_never_raises(text: str) -> None:
    info = identify(text)
    assert info.platform in (*PLATFORMS, None)
    assert isinstance(info.canonical_url, str)
    info.to_json()


_url_parts = st.sampled_from(["https://", "http://", "", "tg://", "//"])
_hosts = st.sampled_from(["x.com", "t.me", "www.youtube.com", "youtu.be", "instagram.com", "discord.com",
                          "www.facebook.com", "tiktok.com", "vm.tiktok.com", "discord.gg", "telegram.me",
                          "example.com", "[::1]", "127.0.0.1:99999", "한국.kr"])
_path = st.lists(st.one_of(st.sampled_from(["status", "p", "c", "s", "channels", "@me", "watch", "@user", "video",
                                            "posts", "groups", "reel", "embed", "+abc", "joinchat", "i", "web"]),
                           st.from_regex(r"[0-9]{1,21}", fullmatch=True), st.text(max_size=12)), max_size=6)


@given(_url_parts, _hosts, _path, st.text(max_size=40), st.lists(st.text(max_size=60), max_size=3))
@settings(max_examples=400, deadline=None)
def test_platform_shaped_urls_never_raise(scheme: str, host: str, path: list[str], query: str,
                                          chain: list[str]) -> None:
    url = f"{scheme}{host}/{'/'.join(path)}?{query}"
    info = identify(url, chain)
    assert info.platform in (*PLATFORMS, None)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in info.ids.items())


def test_results_are_hashable_and_equal_across_forms() -> None:
    a = identify(f"https://youtu.be/{V}")
    b = identify(f"https://www.youtube.com/shorts/{V}")
    assert len({a, b}) == 2  # observed_url differs
    assert hash(a) == hash(b) and a.canonical_url == b.canonical_url


def test_non_string_input_does_not_crash() -> None:
    assert identify(None).platform is None  # type: ignore[arg-type]
    assert identify(12345).platform is None  # type: ignore[arg-type]
